// The HTTP/1.1 fast path of sidelet run in front of a real mesh and a real node:http upstream:
// keep-alive reuse, pipelined requests answered in order one at a time, a short body read whole
// (a retry sends it again), what goes to node:http (chunked bodies, 100-continue, large bodies,
// malformed requests) still answered, large bodies with backpressure, HEAD and 204 on a kept
// connection, client aborts reaching the upstream, drain, the dispatcher's close() and destroy(),
// node:http's timeouts, and worker mode's streamed bodies.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { MeshError } from '../../src/core/errors.ts';
import { until, within } from '../e2e/fixtures/wait.ts';
import { bigBody, exchange, fixture, RawClient } from './fast-http1-fixtures.ts';

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly socket: Socket;
}

function send(port: number, options: RequestOptions, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent: false, ...options, headers: { host: 'app', ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket: res.socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function keepAliveAgent(t: TestContext): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  return agent;
}

test('keep-alive: one connection serves request after request, all on the fast path', async (t) => {
  const f = await fixture(t);
  const agent = keepAliveAgent(t);
  const sockets = new Set<Socket>();
  for (const path of ['/a', '/len', '/local', '/204', '/b']) {
    const answer = await send(f.fastPort, { path, agent });
    assert.equal(answer.headers.connection, 'keep-alive');
    sockets.add(answer.socket);
  }
  assert.equal(sockets.size, 1);
  assert.deepEqual(f.seen.map((s) => s.url), ['/a', '/len', '/204', '/b']);
  assert.equal(f.fast.fallbacks, 0);
});

test('pipelined requests are answered in order, the next one started only once the one before is answered', async (t) => {
  const f = await fixture(t);
  const held = f.nextHeld();
  const client = new RawClient(f.fastPort).send('GET /hold HTTP/1.1\r\nHost: app\r\n\r\nGET /second HTTP/1.1\r\nHost: app\r\n\r\nGET /local HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
  const first = await held;
  assert.deepEqual(f.seen.map((s) => s.url), ['/hold'], 'the second request waits for the first answer');
  first.end('first done');
  const text = await client.untilClosed();
  const bodies = [...text.matchAll(/\r\n\r\n([^]*?)(?=HTTP\/1\.1 |$)/g)].map((m) => m[1]);
  assert.deepEqual(bodies, ['first done', 'GET /second', 'c\r\nlocal answer\r\n0\r\n\r\n']);
  assert.deepEqual(f.seen.map((s) => s.url), ['/hold', '/second']);
});

test('a short body is read whole: a retried POST sends it again', async (t) => {
  const f = await fixture(t);
  const answer = await send(f.fastPort, { method: 'POST', path: '/flaky', headers: { 'x-key': 'retried', 'content-type': 'text/plain' } }, 'the payload');
  assert.deepEqual([answer.status, answer.body.toString()], [200, 'the payload']);
  const attempts = f.seen.filter((s) => s.url === '/flaky');
  assert.deepEqual(attempts.map((s) => [s.body.toString(), s.headers['content-length'], s.headers['transfer-encoding']]), [
    ['the payload', '11', undefined],
    ['the payload', '11', undefined],
  ]);
  assert.equal(f.fast.fallbacks, 0);
});

test('a chunked request body and Expect: 100-continue go to node:http, answered as before on the same connection', async (t) => {
  const f = await fixture(t);
  const agent = keepAliveAgent(t);
  const chunked = await new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: f.fastPort, method: 'POST', path: '/echo', headers: { host: 'app' }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket: res.socket }));
    });
    req.on('error', reject);
    req.write('part one, ');
    req.end('part two');
  });
  assert.deepEqual([chunked.status, chunked.body.toString(), chunked.headers['x-seen-te']], [200, 'part one, part two', 'chunked']);
  assert.equal(f.fast.fallbacks, 1);
  const after = await send(f.fastPort, { path: '/after', agent });
  assert.equal(after.socket, chunked.socket, 'node:http keeps serving the connection it took over');
  assert.equal(after.body.toString(), 'GET /after');

  const continued = await new Promise<Answer & { continued: boolean }>((resolve, reject) => {
    let continued = false;
    const req = request({ host: '127.0.0.1', port: f.fastPort, method: 'PUT', path: '/echo', headers: { host: 'app', expect: '100-continue', 'content-length': '4' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket: res.socket, continued }));
    });
    req.on('continue', () => {
      continued = true;
      req.end('data');
    });
    req.on('error', reject);
  });
  assert.deepEqual([continued.continued, continued.status, continued.body.toString(), continued.headers['x-seen-method']], [true, 200, 'data', 'PUT']);
  assert.equal(f.fast.fallbacks, 2);
  assert.equal(f.seen.at(-1)?.headers.expect, undefined, 'expect is the listener\'s business, not forwarded');
});

test('large bodies both ways: a 1 MiB upload (node:http streams it) echoed back, and an 8 MiB answer read slowly with bounded buffering', async (t) => {
  const f = await fixture(t);
  const upload = bigBody(1024 * 1024);
  const echoed = await send(f.fastPort, { method: 'PUT', path: '/echo', headers: { 'content-length': String(upload.length) } }, upload);
  assert.equal(echoed.status, 200);
  assert.ok(echoed.body.equals(upload), 'the 1 MiB body came back intact');
  assert.equal(f.fast.fallbacks, 1, 'a body over 64 KiB is not read whole: node:http streams it');

  // The client stops reading for a while after each MiB. The fast path must then stop reading the
  // upstream instead of buffering its answer: what waits in the client socket's buffer stays small.
  const sockets: Socket[] = [];
  f.fast.on('connection', (socket: Socket) => sockets.push(socket));
  const size = 8 * 1024 * 1024;
  let largestBuffered = 0;
  const sample = setInterval(() => {
    for (const socket of sockets) largestBuffered = Math.max(largestBuffered, socket.writableLength);
  }, 2);
  t.after(() => clearInterval(sample));
  const received = await new Promise<Buffer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: f.fastPort, path: `/big?bytes=${size}`, headers: { host: 'app' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let sinceBreak = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        sinceBreak += chunk.length;
        if (sinceBreak < 1024 * 1024) return;
        sinceBreak = 0;
        res.pause();
        setTimeout(() => res.resume(), 30);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  clearInterval(sample);
  assert.ok(received.equals(bigBody(size)), 'the 8 MiB answer arrived intact');
  assert.equal(f.fast.fallbacks, 1);
  assert.ok(largestBuffered <= 512 * 1024, `at most 512 KiB waited in the socket's buffer (saw ${largestBuffered})`);
});

test('HEAD and 204 answers leave the connection ready for the next request', async (t) => {
  const f = await fixture(t);
  const client = new RawClient(f.fastPort);
  client.send('HEAD /len HTTP/1.1\r\nHost: app\r\n\r\n');
  await client.received(/content-length: 5\r\n[^]*\r\n\r\n$/);
  client.send('GET /204 HTTP/1.1\r\nHost: app\r\n\r\n');
  await client.received(/HTTP\/1\.1 204 No Content\r\n[^]*\r\n\r\n$/);
  client.send('GET /len HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
  const text = await client.untilClosed();
  assert.equal(text.match(/^HTTP\/1\.1 /gm)?.length, 3);
  assert.ok(text.endsWith('\r\n\r\nhello'));
  assert.doesNotMatch(text, /Transfer-Encoding/);
});

test('a client that goes away aborts its call before the answer, and cancels the upstream body mid-answer', async (t) => {
  const f = await fixture(t);
  const held = f.nextHeld();
  const early = new RawClient(f.fastPort).send('GET /hold HTTP/1.1\r\nHost: app\r\n\r\n');
  const upstreamRes = await held;
  early.socket.destroy();
  await once(upstreamRes, 'close');
  await until(() => f.seen.at(-1)?.aborted === true, 'the upstream to see the cancel');

  const begun = f.nextHeld();
  const late = new RawClient(f.fastPort).send('GET /begin HTTP/1.1\r\nHost: app\r\n\r\n');
  const midway = await begun;
  await late.received(/first part;/);
  late.socket.destroy();
  await once(midway, 'close');
  assert.equal(midway.writableFinished, false);
  assert.equal(f.seen.at(-1)?.aborted, true);
});

test('a malformed request goes to node:http, which answers 400; the good one before it is answered first', async (t) => {
  const f = await fixture(t);
  const text = await exchange(f.fastPort, 'GET /len HTTP/1.1\r\nHost: app\r\n\r\nGET / HTTP/1.1\r\nHost: app\r\nBad Field: x\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhelloHTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/);
  assert.equal(f.fast.fallbacks, 1);
  const smuggled = await exchange(f.fastPort, 'POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  assert.equal(smuggled, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});

test('drain: close() answers the request in flight with Connection: close, closes idle connections at once, then the server', async (t) => {
  const f = await fixture(t);
  const idle = new RawClient(f.fastPort).send('GET /len HTTP/1.1\r\nHost: app\r\n\r\n');
  await idle.received(/hello$/);
  const fresh = new RawClient(f.fastPort);
  const held = f.nextHeld();
  const busy = new RawClient(f.fastPort).send('GET /hold HTTP/1.1\r\nHost: app\r\n\r\n');
  const upstreamRes = await held;
  await fresh.connected;

  const closed = once(f.fast, 'close');
  f.fast.close();
  await within(idle.closed, 'the idle keep-alive connection to close');
  upstreamRes.end('finished while draining');
  const text = await busy.untilClosed();
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n[^]*finished while draining$/);
  assert.doesNotMatch(text, /Keep-Alive/);
  // A connection that has sent nothing yet is not idle (node:http's rule): its request is answered, with Connection: close.
  fresh.send('GET /last HTTP/1.1\r\nHost: app\r\n\r\n');
  assert.match(await fresh.untilClosed(), /Connection: close\r\n[^]*GET \/last$/);
  await within(closed, 'the server to close');
});

test("the dispatcher's close() waits for fast-path calls; destroy() answers them with its error, as dispatched calls", async (t) => {
  const f = await fixture(t);
  const held = f.nextHeld();
  const client = new RawClient(f.fastPort).send('GET /hold HTTP/1.1\r\nHost: app\r\n\r\n');
  await held;
  const dispatcher = f.mesh.dispatcher();
  let idle = false;
  const closing = dispatcher.close().then(() => (idle = true));
  assert.equal(idle, false);
  await dispatcher.destroy(new MeshError('SIDELET_OVERLOADED', 'the sidecar is shutting down'));
  await closing;
  const text = await client.received(/\r\n0\r\n\r\n$/);
  assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\nx-sidelet-response-flags: LR\r\ncontent-type: text\/plain\r\n/);
  assert.match(text, /\r\n\r\n[0-9a-f]+\r\nSIDELET_OVERLOADED: the sidecar is shutting down\n\r\n0\r\n\r\n$/);
  const refused = await exchange(f.fastPort, 'GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*sidelet: The client is destroyed\n/);
});

test("node:http's timeouts: an idle keep-alive connection closes, a head that does not arrive in time gets a 408", async (t) => {
  const f = await fixture(t);
  f.fast.keepAliveTimeout = 100;
  f.fast.keepAliveTimeoutBuffer = 0;
  f.fast.headersTimeout = 100;
  const kept = new RawClient(f.fastPort).send('GET /len HTTP/1.1\r\nHost: app\r\n\r\n');
  const text = await kept.untilClosed();
  assert.match(text, /Connection: keep-alive\r\nKeep-Alive: timeout=0\r\n[^]*hello$/);
  const slow = new RawClient(f.fastPort).send('GET /len HTTP/1.1\r\nHost: ap');
  assert.equal(await slow.untilClosed(), 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  const halfBody = new RawClient(f.fastPort).send('POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 10\r\n\r\nabc');
  halfBody.socket.end();
  assert.equal(await halfBody.untilClosed(), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', 'a body cut by the client: 400, as node:http');
  assert.equal(f.seen.filter((s) => s.url === '/echo').length, 0);
});

test('worker mode: streamed answers (Readables, not HttpResponseBody), a body read whole, local answers', async (t) => {
  const f = await fixture(t, 'worker');
  const agent = keepAliveAgent(t);
  assert.equal((await send(f.fastPort, { path: '/len', agent })).body.toString(), 'hello');
  const posted = await send(f.fastPort, { method: 'POST', path: '/flaky', headers: { 'x-key': 'worker' }, agent }, 'worker payload');
  assert.deepEqual([posted.status, posted.body.toString()], [200, 'worker payload']);
  const local = await send(f.fastPort, { path: '/local', agent });
  assert.deepEqual([local.status, local.body.toString()], [200, 'local answer']);
  const big = await send(f.fastPort, { path: `/big?bytes=${2 * 1024 * 1024}`, agent });
  assert.ok(big.body.equals(bigBody(2 * 1024 * 1024)));
  assert.equal(f.fast.fallbacks, 0);
});
