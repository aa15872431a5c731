// Http1Pool against real node:http servers (and raw TCP ones for framings node:http does not
// write) on 127.0.0.1: the round trip, every body framing, 1xx heads, trailers, keep-alive
// reuse and its limits, request bodies, and the queue beyond `connections`.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import test from 'node:test';
import { deferred, exchange, ioTurns, nodeServer, poolFor, rawServer, Recorder } from './pool-fixtures.ts';

async function readAll(req: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

test('a GET round-trips: the handler hears start, head, data, end; the request carries method, path and Host', async () => {
  let seen = '';
  const server = await nodeServer((req, res) => {
    seen = `${req.method} ${req.url} ${req.headers.host} ${req.headers['x-a']}`;
    res.writeHead(201, 'Made', { 'X-Answer': 'yes' });
    res.end('hello');
  });
  const pool = poolFor(server);
  try {
    const outcome = await exchange(pool, { path: '/p?q=1', headers: { host: 'svc.test', 'x-a': ['1', '2'] } });
    assert.equal(outcome.status, 201);
    assert.equal(outcome.headers['x-answer'], 'yes');
    assert.equal(outcome.body.toString(), 'hello');
    assert.deepEqual(outcome.events, ['start', 'head 201', 'data', 'end']);
    assert.equal(seen, 'GET /p?q=1 svc.test 1, 2');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('without a host header the origin is the Host', async () => {
  let host: string | undefined;
  const server = await nodeServer((req, res) => {
    host = req.headers.host;
    res.end();
  });
  const pool = poolFor(server);
  try {
    await exchange(pool, { headers: {} });
    assert.equal(host, `127.0.0.1:${server.port}`);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('keep-alive: sequential requests reuse one connection', async () => {
  const server = await nodeServer((req, res) => res.end(req.url));
  const pool = poolFor(server, 4);
  try {
    for (let i = 0; i < 5; i++) assert.equal((await exchange(pool, { path: `/${i}` })).body.toString(), `/${i}`);
    assert.equal(server.accepted(), 1);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('framing: content-length, chunked with trailers, HEAD, 204 and 304 carry what they should and keep the connection', async () => {
  const server = await nodeServer((req, res) => {
    if (req.url === '/chunked') {
      res.writeHead(200, { Trailer: 'x-checksum' });
      res.write('ab');
      res.write('cd');
      res.addTrailers({ 'X-Checksum': 'abcd', 'x-more': 'yes' });
      res.end();
    } else if (req.url === '/later') {
      res.writeHead(200, { 'Content-Length': '5' }).flushHeaders();
      setTimeout(() => res.end('later'), 20);
    } else if (req.url === '/204') {
      res.writeHead(204).end();
    } else if (req.url === '/304') {
      res.writeHead(304, { 'Content-Length': '100' }).end();
    } else {
      res.writeHead(200, { 'Content-Length': '5' });
      res.end(req.method === 'HEAD' ? undefined : 'fixed');
    }
  });
  const pool = poolFor(server);
  try {
    const fixed = await exchange(pool, { path: '/fixed' });
    assert.equal(fixed.body.toString(), 'fixed');
    assert.equal(fixed.headers['content-length'], '5');
    const chunked = await exchange(pool, { path: '/chunked' });
    assert.equal(chunked.body.toString(), 'abcd');
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    assert.deepEqual({ ...chunked.trailers }, { 'x-checksum': 'abcd', 'x-more': 'yes' });
    const head = await exchange(pool, { method: 'HEAD', path: '/fixed' });
    assert.deepEqual([head.status, head.headers['content-length'], head.body.length], [200, '5', 0]);
    assert.deepEqual(head.events, ['start', 'head 200', 'end']);
    const noContent = await exchange(pool, { path: '/204' });
    assert.deepEqual(noContent.events, ['start', 'head 204', 'end']);
    const notModified = await exchange(pool, { path: '/304' });
    assert.deepEqual(notModified.events, ['start', 'head 304', 'end']);
    assert.equal((await exchange(pool, { path: '/fixed' })).body.toString(), 'fixed');
    const later = await exchange(pool, { path: '/later' });
    assert.equal(later.body.toString(), 'later');
    assert.deepEqual(
      [fixed.bodyInHand, chunked.bodyInHand, head.bodyInHand, noContent.bodyInHand, later.bodyInHand],
      [true, false, true, true, false],
      'the request says when the whole body came with the head: a short fixed body, none at all; not chunked, not a body sent later',
    );
    assert.equal(server.accepted(), 1, 'every response left the connection reusable');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('framing: a body delimited by the close is read to the end, and the connection is not reused', async () => {
  const server = await rawServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nX-Kind: close-delimited\r\n\r\nall of it, until the end'));
  });
  const pool = poolFor(server);
  try {
    const first = await exchange(pool);
    assert.equal(first.body.toString(), 'all of it, until the end');
    assert.equal(first.headers['x-kind'], 'close-delimited');
    const second = await exchange(pool);
    assert.equal(second.body.toString(), 'all of it, until the end');
    assert.equal(server.accepted(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('framing: a transfer coding other than chunked last runs until the close (RFC 9112 §6.3)', async () => {
  const server = await rawServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nraw\r\n0\r\n\r\n'));
  });
  const pool = poolFor(server);
  try {
    assert.equal((await exchange(pool)).body.toString(), '3\r\nraw\r\n0\r\n\r\n');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a response head and body that arrive a few bytes at a time, with bare LF line ends', async () => {
  const response = Buffer.from('HTTP/1.1 200 OK\nContent-Length: 12\nX-Slow: yes\n\nhello, world');
  const server = await rawServer((socket) => {
    socket.setNoDelay(true);
    socket.once('data', async () => {
      for (let i = 0; i < response.length; i += 3) {
        socket.write(response.subarray(i, i + 3));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  });
  const pool = poolFor(server);
  try {
    const outcome = await exchange(pool);
    assert.equal(outcome.body.toString(), 'hello, world');
    assert.equal(outcome.headers['x-slow'], 'yes');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('1xx: 103 Early Hints reaches the handler as a head before the final one', async () => {
  const server = await nodeServer((_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () => res.end('final'));
  });
  const pool = poolFor(server);
  try {
    const hints: unknown[] = [];
    const recorder = new Recorder();
    const onResponseStart = recorder.onResponseStart.bind(recorder);
    recorder.onResponseStart = (controller, status, headers, statusMessage, bodyInHand) => {
      if (status < 200) hints.push(headers.get('link'));
      onResponseStart(controller, status, headers, statusMessage, bodyInHand);
    };
    const outcome = await exchange(pool, {}, recorder);
    assert.deepEqual(outcome.events, ['start', 'head 103', 'head 200', 'data', 'end']);
    assert.deepEqual(hints, ['</style.css>; rel=preload; as=style']);
    assert.equal(outcome.body.toString(), 'final');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('keep-alive ends: connection: close from either side, and an HTTP/1.0 answer without keep-alive', async () => {
  const server = await nodeServer((req, res) => {
    if (req.url === '/close') res.setHeader('Connection', 'close');
    res.end('ok');
  });
  const pool = poolFor(server);
  try {
    await exchange(pool, { path: '/close' });
    await exchange(pool, { path: '/' });
    await exchange(pool, { path: '/', headers: { host: 'svc.test', connection: 'close' } });
    await exchange(pool, { path: '/' });
    assert.equal(server.accepted(), 3);
  } finally {
    await pool.close();
    await server.close();
  }
  const old = await rawServer((socket) => {
    socket.on('data', () => socket.write('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  const pool10 = poolFor(old);
  try {
    await exchange(pool10);
    await old.closedConnection(0);
    await exchange(pool10);
    assert.equal(old.accepted(), 2);
  } finally {
    await pool10.close();
    await old.close();
  }
});

test('keep-alive: a connection the server closes while idle leaves the pool; the next request gets a new one', async () => {
  const server = await nodeServer((_req, res) => {
    res.end('ok', () => res.socket?.end());
  });
  const pool = poolFor(server);
  try {
    await exchange(pool);
    await server.closedConnection(0);
    await ioTurns();
    assert.equal((await exchange(pool)).body.toString(), 'ok');
    assert.equal(server.accepted(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('keep-alive hint: timeout=1 leaves no idle time (1 s less), so connections are not reused; timeout=2 closes after about 1 s idle', async () => {
  let hint = '1';
  const server = await nodeServer((_req, res) => {
    res.setHeader('Keep-Alive', `timeout=${hint}`);
    res.end('ok');
  }, (s) => (s.keepAliveTimeout = 60_000));
  const pool = poolFor(server);
  try {
    await exchange(pool);
    await exchange(pool);
    assert.equal(server.accepted(), 2);
    hint = '2';
    await exchange(pool);
    const idleSince = performance.now();
    await server.closedConnection(2);
    const idleMs = performance.now() - idleSince;
    assert.ok(idleMs >= 900, `closed after ${idleMs} ms idle`);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('request bodies: bytes and strings in one write with content-length; an empty POST says content-length: 0', async () => {
  const seen: string[] = [];
  const server = await nodeServer(async (req, res) => {
    seen.push(`${req.method} ${req.headers['content-length']} ${req.headers['transfer-encoding']} ${await readAll(req)}`);
    res.end();
  });
  const pool = poolFor(server);
  try {
    await exchange(pool, { method: 'POST', body: 'héllo' });
    await exchange(pool, { method: 'PUT', body: new TextEncoder().encode('bytes') });
    await exchange(pool, { method: 'POST', body: null });
    await exchange(pool, { method: 'POST', body: 'x'.repeat(100_000) });
    assert.deepEqual(seen.slice(0, 3), ['POST 6 undefined héllo', 'PUT 5 undefined bytes', 'POST 0 undefined ']);
    assert.equal(seen[3], `POST 100000 undefined ${'x'.repeat(100_000)}`);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('request bodies: a Readable goes chunked, or with the content-length its headers give; the connection is reused after', async () => {
  const seen: string[] = [];
  const server = await nodeServer(async (req, res) => {
    seen.push(`${req.headers['content-length']} ${req.headers['transfer-encoding']} ${await readAll(req)}`);
    res.end();
  });
  const pool = poolFor(server);
  try {
    await exchange(pool, { method: 'POST', body: Readable.from([Buffer.from('one,'), 'two,', Buffer.from('three')]) });
    await exchange(pool, { method: 'POST', headers: { host: 'svc.test', 'content-length': '6' }, body: Readable.from([Buffer.from('abc'), Buffer.from('def')]) });
    assert.deepEqual(seen, ['undefined chunked one,two,three', '6 undefined abcdef']);
    assert.equal(server.accepted(), 1);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('a large streamed request body is written with backpressure and arrives whole', async () => {
  let received = 0;
  const server = await nodeServer(async (req, res) => {
    for await (const chunk of req) received += (chunk as Buffer).length;
    res.end('done');
  });
  const pool = poolFor(server);
  try {
    const piece = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent === 256) return void this.push(null);
        sent++;
        this.push(piece);
      },
    });
    assert.equal((await exchange(pool, { method: 'PUT', body })).body.toString(), 'done');
    assert.equal(received, 256 * 64 * 1024);
  } finally {
    await pool.close();
    await server.close();
  }
});

test('an answer before the request body is sent ends the request; the connection is closed, not reused', async () => {
  const server = await nodeServer((_req, res) => res.writeHead(413).end('too big'));
  const pool = poolFor(server);
  try {
    const body = new Readable({ read() {} });
    body.push('start of a body that never ends');
    const outcome = await exchange(pool, { method: 'POST', body });
    assert.equal(outcome.status, 413);
    await server.closedConnection(0);
    assert.equal(body.destroyed, true, 'the unsent body was destroyed');
  } finally {
    await pool.close();
    await server.close();
  }
});

test('queueing: beyond `connections` requests wait in order and take connections as they free up', async () => {
  const release = deferred();
  const twoArrived = deferred();
  let concurrent = 0;
  let maxConcurrent = 0;
  const order: string[] = [];
  const server = await nodeServer(async (req, res) => {
    order.push(req.url!);
    if (order.length === 2) twoArrived.resolve();
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await release.promise;
    concurrent--;
    res.end(req.url);
  });
  const pool = poolFor(server, 2);
  try {
    const recorders = Array.from({ length: 6 }, () => new Recorder());
    const outcomes = recorders.map((recorder, i) => exchange(pool, { path: `/${i}` }, recorder));
    await twoArrived.promise;
    assert.deepEqual(recorders.map((r) => r.events.length), [1, 1, 0, 0, 0, 0], 'only two started');
    release.resolve();
    const bodies = (await Promise.all(outcomes)).map((o) => o.body.toString());
    assert.deepEqual(bodies, ['/0', '/1', '/2', '/3', '/4', '/5']);
    assert.deepEqual(order.slice(2), ['/2', '/3', '/4', '/5']);
    assert.equal(maxConcurrent, 2);
    assert.equal(server.accepted(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});
