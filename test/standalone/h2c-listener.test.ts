// The h2c listener between a real @grpc/grpc-js client and a real @grpc/grpc-js server, through a
// mesh from a static config: unary and server-streaming calls, non-OK statuses and trailers
// intact, mesh failures as gRPC statuses; and plain HTTP over h2c to an HTTP/1.1 upstream.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createH2cServer } from '../../src/standalone/h2c-listener.ts';
import { apiListener, localCluster } from '../helpers/bootstrap-builders.ts';
import { h2Cluster, httpUpstream, listen, MODES, meshOf } from './listener-fixtures.ts';

const bytes = (b: Buffer): Buffer => b;

/** A service of raw byte messages, so no .proto is needed. */
function method(name: string, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return { path: `/test.Echo/${name}`, requestStream: false, responseStream, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes };
}

const ECHO = {
  Unary: method('Unary', false),
  Fail: method('Fail', false),
  Slow: method('Slow', false),
  Hold: method('Hold', false),
  Limited: method('Limited', false),
  Stream: method('Stream', true),
  StreamFail: method('StreamFail', true),
};

/** Slow calls the upstream holds, handed to whoever waits for the next one. */
class Held {
  readonly #waiting: ((call: grpc.ServerUnaryCall<Buffer, Buffer>) => void)[] = [];
  readonly #calls: grpc.ServerUnaryCall<Buffer, Buffer>[] = [];

  add(call: grpc.ServerUnaryCall<Buffer, Buffer>): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) this.#calls.push(call);
    else waiter(call);
  }

  next(): Promise<grpc.ServerUnaryCall<Buffer, Buffer>> {
    const call = this.#calls.shift();
    return call === undefined ? new Promise((resolve) => this.#waiting.push(resolve)) : Promise.resolve(call);
  }
}

async function grpcUpstream(t: TestContext, slow: Held): Promise<number> {
  const server = new grpc.Server();
  server.addService(ECHO, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const seen = call.metadata.get('x-caller')[0] ?? 'none';
      callback(null, Buffer.concat([Buffer.from(`echo(${String(seen)}):`), call.request]));
    },
    Limited: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request),
    Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-why', 'it is gone');
      callback({ code: grpc.status.NOT_FOUND, details: 'no such thing: café', metadata });
    },
    // Never answers: the route's timeout ends it.
    Slow: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => slow.add(call),
    Hold: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => slow.add(call),
    Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const count = Number(call.request.toString());
      for (let i = 0; i < count; i++) call.write(Buffer.alloc(64 * 1024, 97 + (i % 26)));
      const trailers = new grpc.Metadata();
      trailers.set('x-sent', String(count));
      call.end(trailers);
    },
    StreamFail: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      call.write(Buffer.from('first'));
      call.write(Buffer.from('second'));
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'ran out' });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.after(() => server.forceShutdown());
  return port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}


const ONE_CALL_PER_HOUR = {
  'envoy.filters.http.local_ratelimit': {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    stat_prefix: 'limited',
    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '3600s' },
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  },
};

/** grpc-js client, the h2c listener and the mesh behind it, with a gRPC upstream, an HTTP/1.1 one and a dead one. */
async function setup(t: TestContext, mode: (typeof MODES)[number]): Promise<{ port: number; client: (authority: string) => grpc.Client; slow: Held }> {
  const slow = new Held();
  const grpcPort = await grpcUpstream(t, slow);
  const webPort = await httpUpstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-host': req.headers.host ?? '', 'x-seen-method': req.method ?? '', trailer: 'x-length' });
      res.addTrailers({ 'x-length': String(Buffer.concat(chunks).length) });
      res.end(`web saw ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  const mesh = await meshOf(t, {
    static_resources: {
      listeners: [
        apiListener('greeter:80', ['greeter'], [
          { match: { prefix: '/test.Echo/Limited' }, route: { cluster: 'grpc' }, typed_per_filter_config: ONE_CALL_PER_HOUR },
          { match: { prefix: '/test.Echo/Slow' }, route: { cluster: 'grpc', timeout: '0.2s' } },
          { match: { prefix: '/test.Echo/Hold' }, route: { cluster: 'grpc', timeout: '0s' } },
          { match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc' } },
        ]),
        apiListener('down:80', ['down'], [{ match: { prefix: '/' }, route: { cluster: 'down' } }]),
        apiListener('web:80', ['web'], [{ match: { prefix: '/' }, route: { cluster: 'web' } }]),
      ],
      clusters: [h2Cluster('grpc', grpcPort), h2Cluster('down', await closedPort()), localCluster('web', [webPort])],
    },
  }, mode);
  const port = await listen(t, createH2cServer(mesh.dispatcher()));
  const client = (authority: string): grpc.Client => {
    const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
    t.after(() => c.close());
    return c;
  };
  return { port, client, slow };
}

interface Outcome {
  readonly value?: Buffer;
  readonly error?: grpc.ServiceError;
}

function unary(client: grpc.Client, name: string, request: Buffer, metadata = new grpc.Metadata()): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/test.Echo/${name}`, bytes, bytes, request, metadata, {}, (error, value) => resolve(error ? { error } : { value: value! }));
  });
}

function serverStream(client: grpc.Client, name: string, request: Buffer): Promise<{ messages: Buffer[]; status: grpc.StatusObject; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(`/test.Echo/${name}`, bytes, bytes, request, new grpc.Metadata(), {});
    const messages: Buffer[] = [];
    let error: grpc.ServiceError | undefined;
    call.on('data', (message: Buffer) => messages.push(message));
    call.on('error', (e: grpc.ServiceError) => (error = e));
    call.on('status', (status: grpc.StatusObject) => resolve({ messages, status, ...(error === undefined ? {} : { error }) }));
  });
}

interface H2Answer {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: IncomingHttpHeaders;
}

function h2Request(session: ClientHttp2Session, headers: Record<string, string>, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ headers: head, body: Buffer.concat(chunks).toString(), trailers }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

for (const mode of MODES) {
  test(`${mode}: unary gRPC calls pass through the h2c listener with their metadata, and a non-OK status comes back intact`, async (t) => {
    const { client } = await setup(t, mode);
    const greeter = client('greeter');
    const metadata = new grpc.Metadata();
    metadata.set('x-caller', 'checkout');
    const ok = await unary(greeter, 'Unary', Buffer.from('hello'), metadata);
    assert.equal(ok.value?.toString(), 'echo(checkout):hello');

    const big = Buffer.alloc(1024 * 1024, 7);
    const echoed = await unary(greeter, 'Unary', big);
    assert.equal(echoed.value?.length, 'echo(none):'.length + big.length);

    const failed = await unary(greeter, 'Fail', Buffer.from('x'));
    assert.equal(failed.error?.code, grpc.status.NOT_FOUND);
    assert.equal(failed.error?.details, 'no such thing: café');
    assert.deepEqual(failed.error?.metadata.get('x-why'), ['it is gone']);
  });

  test(`${mode}: server-streaming calls stream every message, then the trailers with the status`, async (t) => {
    const { client } = await setup(t, mode);
    const greeter = client('greeter');
    const streamed = await serverStream(greeter, 'Stream', Buffer.from('40'));
    assert.equal(streamed.status.code, grpc.status.OK);
    assert.equal(streamed.messages.length, 40);
    assert.ok(streamed.messages.every((m, i) => m.length === 64 * 1024 && m[0] === 97 + (i % 26)));
    assert.deepEqual(streamed.status.metadata.get('x-sent'), ['40']);

    const failing = await serverStream(greeter, 'StreamFail', Buffer.from(''));
    assert.deepEqual(failing.messages.map(String), ['first', 'second']);
    assert.equal(failing.status.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(failing.status.details, 'ran out');
  });

  test(`${mode}: mesh failures of gRPC calls are answered with the gRPC status Envoy gives them`, async (t) => {
    const { client } = await setup(t, mode);
    const noRoute = await unary(client('nowhere'), 'Unary', Buffer.from('x'));
    assert.equal(noRoute.error?.code, grpc.status.UNIMPLEMENTED);
    assert.match(noRoute.error?.details ?? '', /^SIDELET_NO_ROUTE: no listener "nowhere:80"/);
    assert.deepEqual(noRoute.error?.metadata.get('x-sidelet-response-flags'), ['NR']);

    const down = await unary(client('down'), 'Unary', Buffer.from('x'));
    assert.equal(down.error?.code, grpc.status.UNAVAILABLE);
    assert.deepEqual(down.error?.metadata.get('x-sidelet-response-flags'), ['UF']);

    const slow = await unary(client('greeter'), 'Slow', Buffer.from('x'));
    assert.equal(slow.error?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.deepEqual(slow.error?.metadata.get('x-sidelet-response-flags'), ['UT']);

    const greeter = client('greeter');
    assert.equal((await unary(greeter, 'Limited', Buffer.from('first'))).value?.toString(), 'first');
    const limited = await unary(greeter, 'Limited', Buffer.from('second'));
    assert.equal(limited.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.deepEqual(limited.error?.metadata.get('x-sidelet-response-flags'), ['RL']);
  });

  test(`${mode}: a client that cancels its call resets the stream, and the mesh call to the upstream is cancelled`, async (t) => {
    const { client, slow } = await setup(t, mode);
    // The route has no timeout: only the cancel can end the upstream call.
    const call = client('greeter').makeUnaryRequest('/test.Echo/Hold', bytes, bytes, Buffer.from('x'), new grpc.Metadata(), {}, () => {});
    const held = await slow.next();
    const cancelled = once(held, 'cancelled');
    call.cancel();
    await cancelled;
  });

  test(`${mode}: plain HTTP over h2c reaches an HTTP/1.1 upstream by :authority, with its body, and trailers when asked for`, async (t) => {
    const { port } = await setup(t, mode);
    const session = connect(`http://127.0.0.1:${port}`);
    t.after(() => session.close());

    const get = await h2Request(session, { ':method': 'GET', ':path': '/page?q=1', ':authority': 'web' });
    assert.equal(get.headers[':status'], 200);
    assert.equal(get.headers['x-seen-host'], 'web');
    assert.equal(get.body, 'web saw GET /page?q=1 ');
    assert.equal(get.trailers['x-length'], '0', 'the head announced the trailer (Trailer: x-length)');

    const post = await h2Request(session, { ':method': 'POST', ':path': '/submit', ':authority': 'web', 'content-type': 'text/plain', te: 'trailers' }, 'a body');
    assert.equal(post.headers[':status'], 200);
    assert.equal(post.body, 'web saw POST /submit a body');
    assert.equal(post.trailers['x-length'], '6');

    const missing = await h2Request(session, { ':method': 'GET', ':path': '/', ':authority': 'nowhere' });
    assert.equal(missing.headers[':status'], 404);
    assert.equal(missing.headers['x-sidelet-response-flags'], 'NR');
    assert.match(missing.body, /^SIDELET_NO_ROUTE: /);
    assert.deepEqual({ ...missing.trailers }, {});
  });
}
