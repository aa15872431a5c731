// mesh.dispatcher() against real node:http upstreams on 127.0.0.1: undici.request and global
// fetch through it, streamed request and response bodies with backpressure, aborts reaching the
// upstream, typed failures, and the dispatcher's own close/destroy. Then the dispatcher alone over
// a stand-in mesh call: both ways an answer's body is read, and a call started within dispatch().
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { type Dispatcher, errors, getGlobalDispatcher, request, setGlobalDispatcher, fetch as undiciFetch } from 'undici';
import { createMesh } from '../../src/api/mesh.ts';
import { type MeshCall, MeshDispatcher } from '../../src/api/mesh-dispatcher.ts';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';
import type { MeshRequest, PipelineResult } from '../../src/core/call/request-pipeline.ts';
import { MeshError } from '../../src/core/errors.ts';
import type { Endpoint } from '../../src/core/model/endpoint.ts';
import { HttpResponseBody } from '../../src/protocols/http/response-body.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function upstream(name: string, handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('x-served-by', name);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function bootstrap(main: number[], stream: number) {
  return meshBootstrap(
    'reviews:80',
    ['reviews'],
    [
      { match: { path: '/health' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
      { match: { prefix: '/stream' }, route: { cluster: 'stream' } },
      { match: { prefix: '/' }, route: { cluster: 'reviews', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
    ],
    [localCluster('reviews', main), localCluster('stream', [stream])],
  );
}

/** Resolves when `check` holds, looking again after each turn of the event loop. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

test('mesh.dispatcher() over real upstreams', async (t) => {
  let failNext = 0;
  const echo: Handler = async (req, res) => {
    const body = await readAll(req);
    if (failNext > 0) {
      failNext--;
      res.statusCode = 503;
      return res.end('try again');
    }
    res.setHeader('content-type', 'text/plain');
    res.end(`${req.method} ${req.url} user=${req.headers['x-user'] ?? '-'} cookie=${req.headers.cookie ?? '-'} body=${body}`);
  };
  const a = await upstream('a', echo);
  const b = await upstream('b', echo);
  // The /stream upstream's behaviour is set by each subtest.
  let streamHandler: Handler = (_req, res) => res.end();
  const s = await upstream('stream', (req, res) => streamHandler(req, res));
  const mesh = await createMesh({ mode: 'inline', bootstrap: bootstrap([a.port, b.port], s.port) });
  const dispatcher = mesh.dispatcher();
  const previous = getGlobalDispatcher();
  t.after(async () => {
    setGlobalDispatcher(previous);
    await mesh.close();
    for (const u of [a, b, s]) {
      u.server.closeAllConnections();
      u.server.close();
    }
  });

  await t.test('one dispatcher per mesh, an undici Dispatcher', () => {
    assert.ok(dispatcher instanceof MeshDispatcher);
    assert.equal(mesh.dispatcher(), dispatcher);
  });

  await t.test('undici.request goes through the mesh, with headers in each of undici\'s forms', async () => {
    const res = await request('http://reviews/api?x=1', { dispatcher, headers: { 'X-User': 'qunar', cookie: ['a=1', 'b=2'] }, query: { y: 2 } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['x-served-by']), /^[ab]$/);
    assert.equal(res.headers.connection, undefined, 'hop-by-hop headers stay with the transport');
    assert.equal(await res.body.text(), 'GET /api?x=1&y=2 user=qunar cookie=a=1; b=2 body=');

    const flat = await dispatcher.request({ origin: 'http://reviews', path: '/flat', method: 'PUT', headers: ['x-user', 'flat'], body: Buffer.from('bytes') });
    assert.equal(await flat.body.text(), 'PUT /flat user=flat cookie=- body=bytes');
    const iterable = await dispatcher.request({ origin: 'http://reviews', path: '/it', method: 'GET', headers: new Map([['x-user', 'map']]) });
    assert.equal(await iterable.body.text(), 'GET /it user=map cookie=- body=');
  });

  await t.test('a direct_response answers from the mesh', async () => {
    const res = await request('http://reviews/health', { dispatcher });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'ok');
  });

  await t.test('with the global dispatcher set, Node\'s global fetch and undici\'s fetch go through the mesh', async () => {
    setGlobalDispatcher(dispatcher);
    assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')], dispatcher, 'the symbol Node\'s bundled undici reads');
    const res = await fetch('http://reviews/global', { headers: { 'x-user': 'global' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'GET /global user=global cookie=- body=');
    const viaUndici = await undiciFetch('http://reviews/undici');
    assert.equal(await viaUndici.text(), 'GET /undici user=- cookie=- body=');
    const plain = await request('http://reviews/plain');
    assert.equal(await plain.body.text(), 'GET /plain user=- cookie=- body=');
  });

  await t.test('a global fetch POST of a known length is replayable: a 503 is retried with its body', async () => {
    setGlobalDispatcher(dispatcher);
    failNext = 1;
    const res = await fetch('http://reviews/post', { method: 'POST', body: 'payload' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'POST /post user=- cookie=- body=payload');
    assert.equal(failNext, 0, 'the first attempt got the 503');
  });

  await t.test('a streamed request body reaches the upstream chunk by chunk', async () => {
    let firstChunk: (chunk: string) => void = () => {};
    const arrived = new Promise<string>((resolve) => (firstChunk = resolve));
    streamHandler = async (req, res) => {
      const chunks: string[] = [];
      for await (const chunk of req) {
        chunks.push(String(chunk));
        if (chunks.length === 1) firstChunk(String(chunk));
      }
      res.end(chunks.join('|'));
    };
    // The second chunk is only produced once the upstream has the first: a buffered body would deadlock.
    async function* body() {
      yield 'first';
      await arrived;
      yield 'second';
    }
    const res = await request('http://reviews/stream/upload', { dispatcher, method: 'POST', body: Readable.from(body()) });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'first|second');
  });

  await t.test('a slow streamed response: data arrives as it is sent, and a paused handler holds the upstream back', async () => {
    const total = 64 * 1024 * 1024;
    let finished = false;
    let blocked = false;
    let next: () => void = () => {};
    streamHandler = (_req, res) => {
      res.once('finish', () => (finished = true));
      res.write('hello ');
      // The rest is written once the handler has seen the first chunk (a buffered response would deadlock).
      next = () => {
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        let written = 0;
        const write = (): void => {
          while (written < total) {
            written += chunk.length;
            if (written >= total) return void res.end(chunk);
            if (!res.write(chunk)) {
              blocked = true;
              return void res.once('drain', write);
            }
          }
        };
        write();
      };
    };
    let received = 0;
    let dataWhilePaused = 0;
    let paused = false;
    let controller: Dispatcher.DispatchController | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      dispatcher.dispatch(
        { origin: 'http://reviews', path: '/stream/download', method: 'GET' },
        {
          onRequestStart: (c) => (controller = c),
          onResponseStart: (_c, status) => assert.equal(status, 200),
          onResponseData: (c, chunk) => {
            if (paused) dataWhilePaused++;
            received += chunk.length;
            if (received === 6) {
              assert.equal(chunk.toString(), 'hello ');
              c.pause();
              paused = true;
              next();
            }
          },
          onResponseEnd: () => resolve(),
          onResponseError: (_c, error) => reject(error),
        },
      );
    });
    await until(() => blocked);
    // Bounded buffers fill and the upstream blocks; the wait only gives a build without
    // backpressure (which would read all 64 MiB into memory) the time to show it.
    await sleep(200);
    assert.equal(finished, false, 'the upstream could not send everything while the handler was paused');
    assert.equal(dataWhilePaused, 0, 'no data reaches a paused handler');
    assert.equal(controller?.paused, true);
    paused = false;
    controller?.resume();
    await ended;
    assert.equal(received, 6 + total);
  });

  await t.test('aborts reach the upstream: an AbortSignal before the answer, controller.abort() during the body', async () => {
    const closed: Promise<unknown>[] = [];
    streamHandler = (req, res) => {
      closed.push(once(res, 'close'));
      if (req.url === '/stream/partial') res.write('partial');
    };
    const signal = new AbortController();
    const pending = request('http://reviews/stream/hang', { dispatcher, signal: signal.signal });
    await until(() => closed.length === 1);
    signal.abort(new Error('gave up'));
    await assert.rejects(pending, { message: 'gave up' });
    await closed[0];

    let started: (c: Dispatcher.DispatchController) => void = () => {};
    const bodyStarted = new Promise<Dispatcher.DispatchController>((resolve) => (started = resolve));
    const errored = new Promise<Error>((resolve) => {
      dispatcher.dispatch(
        { origin: 'http://reviews', path: '/stream/partial', method: 'GET' },
        { onResponseData: (c) => started(c), onResponseEnd: () => resolve(new Error('ended')), onResponseError: (_c, error) => resolve(error) },
      );
    });
    (await bodyStarted).abort(new Error('enough'));
    assert.equal((await errored).message, 'enough');
    await closed[1];
  });

  await t.test('mesh failures surface as MeshErrors: fetch\'s cause, request\'s rejection, or a response on request', async () => {
    setGlobalDispatcher(dispatcher);
    await assert.rejects(fetch('http://ratings/'), (e: unknown) => e instanceof TypeError && e.cause instanceof MeshError && e.cause.code === 'SIDELET_NO_ROUTE');
    await assert.rejects(request('http://ratings/', { dispatcher }), (e: unknown) => e instanceof MeshError && e.code === 'SIDELET_NO_ROUTE');
    const res = await dispatcher.request({ origin: 'http://ratings', path: '/', method: 'GET', mesh: { errorsAsResponses: true } } as Dispatcher.RequestOptions);
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['x-sidelet-response-flags'], 'NR');
    assert.match(await res.body.text(), /^SIDELET_NO_ROUTE: /);
  });

  await t.test('bad dispatch options are refused through the handler', async () => {
    await assert.rejects(dispatcher.request({ path: '/', method: 'GET' } as Dispatcher.RequestOptions), errors.InvalidArgumentError);
    await assert.rejects(dispatcher.request({ origin: 'http://reviews', path: '/', method: 'GET', body: 42 } as unknown as Dispatcher.RequestOptions), errors.InvalidArgumentError);
  });

  await t.test('close() refuses new calls, destroy() aborts the running ones; the mesh stays open', async () => {
    const other = await createMesh({ mode: 'inline', bootstrap: bootstrap([a.port, b.port], s.port) });
    t.after(() => other.close());
    const own = other.dispatcher();
    const closed: Promise<unknown>[] = [];
    streamHandler = (_req, res) => void closed.push(once(res, 'close'));
    const held = own.request({ origin: 'http://reviews', path: '/stream/held', method: 'GET' });
    await until(() => closed.length === 1);
    let drained = false;
    const closing = own.close().then(() => (drained = true));
    assert.equal(own.closed, true);
    await assert.rejects(own.request({ origin: 'http://reviews', path: '/', method: 'GET' }), errors.ClientClosedError);
    assert.equal(drained, false, 'close() waits for the call in flight');
    await own.destroy();
    await assert.rejects(held, errors.ClientDestroyedError);
    await closing;
    await closed[0];
    await assert.rejects(own.request({ origin: 'http://reviews', path: '/', method: 'GET' }), errors.ClientDestroyedError);
    const res = await other.fetch('http://reviews/after');
    assert.equal(await res.text(), 'GET /after user=- cookie=- body=');
  });
});

/** An upstream answer with `body`, as the pipeline resolves a call. */
function answer(body: unknown, status = 200): PipelineResult {
  const endpoint = { id: '127.0.0.1:1' } as Endpoint;
  return { kind: 'upstream', cluster: 'svc', call: { response: { status, headers: new Map([['content-type', 'text/plain'], ['connection', 'keep-alive']]), body }, endpoint, attempts: 1, winner: 'initial', elapsedMs: 0 } };
}

interface Seen {
  status?: number;
  headers?: Record<string, unknown>;
  chunks: string[];
  trailers?: Record<string, unknown>;
  error?: Error;
}

/** Dispatches through `dispatcher` with a v7 handler that records everything; `onChunk` may pause. */
function collect(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions, onChunk?: (c: Dispatcher.DispatchController, seen: Seen) => void): { seen: Seen; done: Promise<Seen> } {
  const seen: Seen = { chunks: [] };
  const done = new Promise<Seen>((resolve) => {
    dispatcher.dispatch(opts, {
      onResponseStart: (_c, status, headers) => Object.assign(seen, { status, headers }),
      onResponseData: (c, chunk) => {
        seen.chunks.push(chunk.toString());
        onChunk?.(c, seen);
      },
      onResponseEnd: (_c, trailers) => resolve(Object.assign(seen, { trailers })),
      onResponseError: (_c, error) => resolve(Object.assign(seen, { error })),
    });
  });
  return { seen, done };
}

test('the dispatcher over a stand-in mesh call', async (t) => {
  const { bootstrap } = await loadBootstrap(meshBootstrap('svc:80', ['svc'], [{ match: { prefix: '/' }, route: { cluster: 'svc' } }], [localCluster('svc', [1])]));
  const requests: MeshRequest[] = [];
  let reply: (request: MeshRequest) => Promise<PipelineResult> = () => Promise.reject(new Error('no reply set'));
  const call: MeshCall = (request) => {
    requests.push(request);
    return reply(request);
  };
  const dispatcher = new MeshDispatcher({ bootstrap, call });
  t.after(() => dispatcher.close());

  await t.test('a call whose body is in memory starts within dispatch(), with the request the mesh routes by', async () => {
    reply = () => Promise.resolve(answer(undefined, 204));
    const { done } = collect(dispatcher, { origin: 'http://svc', path: '/p?a=1', method: 'POST', body: 'payload', query: { b: 2 } });
    assert.equal(requests.length, 1, 'the mesh call started before dispatch() returned');
    const request = requests[0]!;
    assert.deepEqual(
      { listenerName: request.listenerName, authority: request.authority, path: request.path, method: request.method, replayable: request.bodyReplayable },
      { listenerName: 'svc:80', authority: 'svc', path: '/p?a=1&b=2', method: 'POST', replayable: true },
    );
    const seen = await done;
    assert.equal(seen.status, 204);
    assert.equal(seen.headers?.connection, undefined, 'hop-by-hop headers stay with the transport');
    assert.deepEqual(seen.chunks, []);
    assert.deepEqual(seen.trailers, {});
  });

  await t.test('an HttpResponseBody is read directly: chunks from before the answer, a pause that holds the rest, the trailers', async () => {
    const resumes: number[] = [];
    const body = new HttpResponseBody({ resume: () => resumes.push(1), abort: () => {} });
    body.push(Buffer.from('one'));
    reply = () => Promise.resolve(answer(body));
    let controller: Dispatcher.DispatchController | undefined;
    const { seen, done } = collect(dispatcher, { origin: 'http://svc', path: '/', method: 'GET' }, (c, s) => {
      if (s.chunks.length === 1) {
        controller = c;
        c.pause();
      }
    });
    await until(() => controller !== undefined);
    body.push(Buffer.from('two'));
    body.trailers = new Map([['grpc-status', '0']]);
    body.push(null);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen.chunks, ['one'], 'nothing reaches a paused handler');
    assert.equal(seen.trailers, undefined);
    controller!.resume();
    const ended = await done;
    assert.deepEqual(ended.chunks, ['one', 'two']);
    assert.deepEqual(ended.trailers, { 'grpc-status': '0' });
    assert.equal(body.listenerCount('data'), 0, 'read without stream events');
  });

  await t.test('any other Readable with trailers (worker mode\'s kind of body) is streamed, paused with the handler', async () => {
    async function* parts() {
      yield Buffer.from('a');
      yield Buffer.from('b');
      yield Buffer.from('c');
    }
    const body = Object.assign(Readable.from(parts(), { objectMode: false }), { trailers: new Map([['x-trailer', 'yes']]) });
    reply = () => Promise.resolve(answer(body));
    let controller: Dispatcher.DispatchController | undefined;
    const { seen, done } = collect(dispatcher, { origin: 'http://svc', path: '/', method: 'GET' }, (c, s) => {
      if (s.chunks.length === 1) {
        controller = c;
        c.pause();
      }
    });
    await until(() => controller !== undefined);
    await sleep(20);
    assert.deepEqual(seen.chunks, ['a'], 'nothing reaches a paused handler');
    controller!.resume();
    const ended = await done;
    assert.deepEqual(ended.chunks, ['a', 'b', 'c']);
    assert.deepEqual(ended.trailers, { 'x-trailer': 'yes' });
  });

  await t.test('a body that fails mid-way ends the dispatch with its error, for both kinds of body', async () => {
    const direct = new HttpResponseBody({ resume: () => {}, abort: () => {} });
    direct.push(Buffer.from('partial'));
    reply = () => Promise.resolve(answer(direct));
    const first = collect(dispatcher, { origin: 'http://svc', path: '/', method: 'GET' });
    await until(() => first.seen.chunks.length === 1);
    direct.destroy(new Error('upstream reset'));
    assert.equal((await first.done).error?.message, 'upstream reset');

    const streamed = new Readable({ read() {} });
    streamed.push('partial');
    reply = () => Promise.resolve(answer(streamed));
    const second = collect(dispatcher, { origin: 'http://svc', path: '/', method: 'GET' });
    await until(() => second.seen.chunks.length === 1);
    streamed.destroy(new Error('port closed'));
    assert.equal((await second.done).error?.message, 'port closed');
  });

  await t.test('a handler that throws in onResponseData aborts with its error and drops the body (the upstream request)', async () => {
    const aborts: Error[] = [];
    const body = new HttpResponseBody({ resume: () => {}, abort: (reason) => aborts.push(reason) });
    body.push(Buffer.from('x'));
    reply = () => Promise.resolve(answer(body));
    const error = await new Promise<Error>((resolve) => {
      dispatcher.dispatch(
        { origin: 'http://svc', path: '/', method: 'GET' },
        {
          onResponseData: () => {
            throw new Error('handler bug');
          },
          onResponseEnd: () => resolve(new Error('ended')),
          onResponseError: (_c, e) => resolve(e),
        },
      );
    });
    assert.equal(error.message, 'handler bug');
    assert.equal(aborts.length, 1, 'the upstream request was aborted');
  });
});
