// Http1Pool when things go wrong or are stopped, against real servers on 127.0.0.1: connect
// failures and the connect timeout, upstream resets and malformed answers, aborts (queued, before
// the head, mid-body), backpressure over a large body, request-body faults, rejected headers,
// close() and destroy().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import test from 'node:test';
import type { Dispatcher } from 'undici';
import { failureKind } from '../../../src/protocols/http/failure-kind.ts';
import { MAX_INFORMATIONAL_HEADS } from '../../../src/protocols/http1/http1-connection.ts';
import { Http1Pool } from '../../../src/protocols/http1/http1-pool.ts';
import { deferred, exchange, ioTurns, nodeServer, poolFor, rawServer, Recorder } from './pool-fixtures.ts';

function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => assert.fail('expected the request to fail'),
    (error: Error) => error,
  );
}

test('a refused connection fails with ECONNREFUSED, a connect-failure', async () => {
  const server = await nodeServer(() => {});
  const port = server.port;
  await server.close();
  const pool = new Http1Pool({ host: '127.0.0.1', port, connections: 1, connectTimeoutMs: 5000 });
  try {
    const error = await rejection(exchange(pool));
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(failureKind(error), 'connect-failure');
  } finally {
    await pool.close();
  }
});

/**
 * A listener that never accepts: a child process listens with backlog 1 and blocks its event
 * loop, and two connections fill its accept queue, so the kernel drops further SYNs.
 */
async function unresponsiveListener(): Promise<{ readonly port: number; stop(): Promise<void> }> {
  const script = `const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
  const port = Number(line.trim());
  const fillers: Socket[] = [0, 1, 2].map(() => connect({ host: '127.0.0.1', port }).on('error', () => {}));
  await Promise.race([Promise.all(fillers.slice(0, 2).map((s) => once(s, 'connect'))), Promise.all(fillers.slice(1).map((s) => once(s, 'connect')))]);
  return {
    port,
    stop: async () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}

test('the connect timeout fails the request with UND_ERR_CONNECT_TIMEOUT, a connect-failure', async () => {
  const listener = await unresponsiveListener();
  const pool = new Http1Pool({ host: '127.0.0.1', port: listener.port, connections: 1, connectTimeoutMs: 200 });
  try {
    const error = await rejection(exchange(pool));
    assert.equal(error.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.match(error.message, /connect to 127\.0\.0\.1:\d+ timed out after 200 ms/);
    assert.equal(failureKind(error), 'connect-failure');
  } finally {
    await pool.destroy();
    await listener.stop();
  }
});

test('a connect failure fails every request waiting for a connection (Envoy purges pending requests)', async () => {
  const server = await nodeServer(() => {});
  const port = server.port;
  await server.close();
  const pool = new Http1Pool({ host: '127.0.0.1', port, connections: 1, connectTimeoutMs: 5000 });
  try {
    const errors = await Promise.all([1, 2, 3].map(() => rejection(exchange(pool))));
    assert.deepEqual(errors.map((e) => e.code), ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  } finally {
    await pool.close();
  }
});

test('an upstream that closes before the head, or mid-body, fails the request with a reset naming it', async () => {
  const server = await nodeServer((req, res) => {
    if (req.url === '/before') return req.socket.destroy();
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('part', () => req.socket.end());
  });
  const pool = poolFor(server);
  try {
    const before = await rejection(exchange(pool, { path: '/before' }));
    assert.equal(before.code, 'SIDELET_HTTP1_CLOSED');
    assert.match(before.message, /127\.0\.0\.1:\d+ closed the connection before the response head/);
    assert.equal(failureKind(before), 'reset');
    const recorder = new Recorder();
    const mid = await rejection(exchange(pool, { path: '/mid' }, recorder));
    assert.match(mid.message, /closed the connection before the end of the response body/);
    assert.deepEqual(recorder.events, ['start', 'head 200', 'data', 'error']);
    assert.equal(Buffer.concat(recorder.chunks).toString(), 'part');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a malformed response fails with an error naming the fault, and the connection is closed', async () => {
  const answers = ['HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', 'SSH-2.0-OpenSSH\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'];
  const server = await rawServer((socket, i) => socket.once('data', () => socket.write(answers[i]!)));
  const pool = poolFor(server);
  try {
    const expected = [
      /response head: whitespace between a field name and its colon at byte 20/,
      /response head: 101 Switching Protocols, but no upgrade was asked for/,
      /response head: not an HTTP\/1.x status line at byte 0/,
      /chunked body: invalid chunk size at byte 0/,
    ];
    for (const [i, pattern] of expected.entries()) {
      const error = await rejection(exchange(pool));
      assert.equal(error.code, 'SIDELET_HTTP1_BAD_RESPONSE');
      assert.match(error.message, pattern);
      assert.equal(failureKind(error), 'reset');
      await server.closedConnection(i);
    }
  } finally {
    await pool.close();
    await server.close();
  }
});

test('an upstream that sends 1xx heads without end fails the request after MAX_INFORMATIONAL_HEADS of them', async () => {
  const early = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n';
  const final = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const answers = [early.repeat(MAX_INFORMATIONAL_HEADS) + final, early.repeat(MAX_INFORMATIONAL_HEADS + 1) + final];
  let served = 0;
  const server = await rawServer((socket) => socket.on('data', () => socket.write(answers[served++]!)));
  const pool = poolFor(server);
  try {
    const within = await exchange(pool);
    assert.equal(within.status, 200, 'as many 1xx heads as allowed, then the answer');
    assert.equal(within.events.filter((e) => e === 'head 103').length, MAX_INFORMATIONAL_HEADS);
    const error = await rejection(exchange(pool));
    assert.equal(error.code, 'SIDELET_HTTP1_BAD_RESPONSE');
    assert.match(error.message, /more than 16 informational \(1xx\) heads before the final one/);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('bytes after a complete response put the connection out of step: it is closed, not reused', async () => {
  const server = await rawServer((socket) => socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA')));
  const pool = poolFor(server);
  try {
    assert.equal((await exchange(pool)).body.toString(), 'ok');
    await server.closedConnection(0);
    assert.equal((await exchange(pool)).body.toString(), 'ok');
    assert.equal(server.accepted(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('bytes from the upstream while the connection is idle close it; the next request gets a new connection', async () => {
  const server = await rawServer((socket) =>
    socket.on('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      setImmediate(() => socket.write('unasked'));
    }),
  );
  const pool = poolFor(server);
  try {
    await exchange(pool);
    await server.closedConnection(0);
    assert.equal((await exchange(pool)).body.toString(), 'ok');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a handler that throws in onResponseData fails its request with that error and closes the connection', async () => {
  const server = await nodeServer((_req, res) => res.end('body'));
  const pool = poolFor(server);
  try {
    const recorder = new Recorder();
    recorder.onResponseData = () => {
      recorder.events.push('data');
      throw new Error('handler bug');
    };
    assert.equal((await rejection(exchange(pool, {}, recorder))).message, 'handler bug');
    assert.deepEqual(recorder.events, ['start', 'head 200', 'data', 'error']);
    await server.closedConnection(0);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('abort mid-body: the upstream sees the connection close; the handler hears onResponseError(reason) once, then nothing', async () => {
  const server = await nodeServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': '1000000' });
    res.write('first bytes');
  });
  const pool = poolFor(server);
  try {
    const reason = new Error('the caller went away');
    const recorder = new Recorder();
    recorder.onResponseData = (controller, chunk) => {
      recorder.events.push('data');
      recorder.chunks.push(chunk);
      controller.abort(reason);
      assert.equal(controller.aborted, true);
      assert.equal(controller.reason, reason);
    };
    const error = await rejection(exchange(pool, {}, recorder));
    assert.equal(error, reason);
    await server.closedConnection(0);
    await ioTurns();
    assert.deepEqual(recorder.events, ['start', 'head 200', 'data', 'error']);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('abort before the head: the upstream sees the connection close', async () => {
  const arrived = deferred();
  const server = await nodeServer(() => arrived.resolve());
  const pool = poolFor(server);
  try {
    const recorder = new Recorder();
    const outcome = rejection(exchange(pool, {}, recorder));
    await arrived.promise;
    recorder.controller!.abort(new Error('cancelled'));
    assert.equal((await outcome).message, 'cancelled');
    await server.closedConnection(0);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a request aborted in onRequestStart while it was queued sends nothing and does not hold the connection', async () => {
  const release = deferred();
  const urls: string[] = [];
  const server = await nodeServer(async (req, res) => {
    urls.push(req.url!);
    if (req.url === '/first') await release.promise;
    res.end(req.url);
  });
  const pool = poolFor(server, 1);
  try {
    const first = exchange(pool, { path: '/first' });
    const cancelled = new Recorder();
    cancelled.onRequestStart = (controller) => {
      cancelled.events.push('start');
      controller.abort(new Error('cancelled while queued'));
    };
    const second = rejection(exchange(pool, { path: '/second' }, cancelled));
    const third = exchange(pool, { path: '/third' });
    release.resolve();
    assert.equal((await first).body.toString(), '/first');
    assert.equal((await second).message, 'cancelled while queued');
    assert.deepEqual(cancelled.events, ['start', 'error']);
    assert.equal((await third).body.toString(), '/third');
    assert.deepEqual(urls, ['/first', '/third']);
    assert.equal(server.accepted(), 1);
  } finally {
    await pool.close();
    await server.close();
  }
});

for (const framing of ['content-length', 'chunked'] as const) {
  test(`pause/resume: an 8 MiB ${framing} body read with a pause after every chunk arrives intact`, async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const server = await nodeServer((_req, res) => {
      if (framing === 'content-length') {
        res.writeHead(200, { 'Content-Length': String(payload.length) });
        res.end(payload);
      } else {
        const pieces = Array.from({ length: payload.length / 65536 }, (_, i) => payload.subarray(i * 65536, (i + 1) * 65536));
        Readable.from(pieces).pipe(res);
      }
    });
    const pool = poolFor(server);
    try {
      let paused = false;
      let whilePaused = 0;
      let mostWhilePaused = 0;
      let pauses = 0;
      const recorder = new Recorder();
      recorder.onResponseData = (controller: Dispatcher.DispatchController, chunk: Buffer) => {
        recorder.chunks.push(chunk);
        if (paused) mostWhilePaused = Math.max(mostWhilePaused, ++whilePaused);
        paused = true;
        pauses++;
        controller.pause();
        assert.equal(controller.paused, true);
        setImmediate(() => {
          paused = false;
          whilePaused = 0;
          controller.resume();
        });
      };
      const outcome = await exchange(pool, {}, recorder);
      assert.equal(outcome.body.length, payload.length);
      assert.equal(createHash('sha256').update(outcome.body).digest('hex'), createHash('sha256').update(payload).digest('hex'));
      assert.ok(pauses > 10, `${pauses} pauses`);
      assert.ok(mostWhilePaused <= 1, `${mostWhilePaused} chunks came while paused`);
    } finally {
      await pool.close();
      await server.close();
    }
  });
}

test('a request body stream that fails fails the request and closes the connection', async () => {
  const server = await nodeServer((req) => req.on('error', () => {}).resume());
  const pool = poolFor(server);
  try {
    const body = new Readable({ read() {} });
    body.push('some');
    const outcome = rejection(exchange(pool, { method: 'POST', body }));
    setImmediate(() => body.destroy(new Error('disk gone')));
    const error = await outcome;
    assert.equal(error.code, 'SIDELET_HTTP1_BODY');
    assert.match(error.message, /request body: disk gone/);
    await server.closedConnection(0);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a streamed body shorter than its content-length fails the request', async () => {
  const server = await nodeServer((req) => req.on('error', () => {}).resume());
  const pool = poolFor(server);
  try {
    const error = await rejection(exchange(pool, { method: 'POST', headers: { 'content-length': '10' }, body: Readable.from([Buffer.from('short')]) }));
    assert.equal(error.code, 'SIDELET_HTTP1_BODY');
    assert.match(error.message, /5 bytes short of its content-length/);
    await server.closedConnection(0);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a request that cannot be sent as given fails at once through onResponseError; nothing reaches the upstream', async () => {
  const server = await nodeServer((_req, res) => res.end());
  const pool = poolFor(server);
  try {
    const cases: [Partial<Dispatcher.DispatchOptions>, RegExp][] = [
      [{ headers: { 'x-a': 'one\r\nInjected: yes' } }, /the value of header "x-a" contains CR, LF, NUL/],
      [{ headers: { 'x-a': 'nul\0' } }, /contains CR, LF, NUL/],
      [{ headers: { 'x-a\n': 'v' } }, /invalid header name "x-a\\n"/],
      [{ headers: { 'bad name': 'v' } }, /invalid header name "bad name"/],
      [{ headers: ['x-a', 'ok', 'x-b', 'line\nbreak'] }, /the value of header "x-b"/],
      [{ headers: { 'transfer-encoding': 'chunked' } }, /transfer-encoding/],
      [{ path: '/a b' }, /invalid path "\/a b"/],
      [{ method: 'GE T' }, /invalid method/],
      [{ method: 'CONNECT' }, /CONNECT is not supported/],
      [{ method: 'POST', headers: { 'content-length': '3' }, body: 'four' }, /the request body has 4 bytes, its content-length header says 3/],
    ];
    for (const [options, pattern] of cases) {
      const recorder = new Recorder();
      const error = await rejection(exchange(pool, options, recorder));
      assert.equal(error.code, 'SIDELET_HTTP1_BAD_REQUEST');
      assert.match(error.message, pattern);
      assert.deepEqual(recorder.events, ['error']);
    }
    assert.equal(server.accepted(), 0);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('close(): requests in flight and queued finish, later ones fail, then the connections close', async () => {
  const release = deferred();
  const server = await nodeServer(async (req, res) => {
    await release.promise;
    res.end(req.url);
  });
  const pool = poolFor(server, 1);
  try {
    const inFlight = exchange(pool, { path: '/a' });
    const queued = exchange(pool, { path: '/b' });
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    const late = await rejection(exchange(pool));
    assert.equal(late.code, 'SIDELET_HTTP1_POOL_CLOSED');
    await ioTurns();
    assert.equal(closed, false);
    release.resolve();
    assert.equal((await inFlight).body.toString(), '/a');
    assert.equal((await queued).body.toString(), '/b');
    await closing;
    await server.allClosed();
  } finally {
    await pool.destroy();
    await server.close();
  }
});

test('destroy(): requests in flight and queued fail with onResponseError, and the connections close now', async () => {
  const arrived = deferred();
  const server = await nodeServer(() => arrived.resolve());
  const pool = poolFor(server, 1);
  try {
    const inFlight = rejection(exchange(pool, { path: '/a' }));
    const queued = new Recorder();
    const queuedOutcome = rejection(exchange(pool, { path: '/b' }, queued));
    await arrived.promise;
    await pool.destroy();
    assert.equal((await inFlight).code, 'SIDELET_HTTP1_POOL_DESTROYED');
    assert.equal((await queuedOutcome).code, 'SIDELET_HTTP1_POOL_DESTROYED');
    assert.deepEqual(queued.events, ['error']);
    await server.allClosed();
  } finally {
    await server.close();
  }
});
