// The standalone Dubbo / Bolt listener over an inline mesh and scriptable upstreams: answers in
// completion order with the callers' ids, heartbeats answered locally, oneway calls forwarded,
// protocol detection, a malformed frame closing only its connection, and the drain on close().
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { DUBBO_PROTOCOL } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { createXProtocolServer, type FrameRelay, type XProtocolServer } from '../../../src/standalone/xprotocol-listener.ts';
import { boltHeartbeat, boltRequest, ECHO_REQUEST, V1 } from '../bolt/fixtures.ts';
import { dubbo2jsHeartbeat, dubboRequest } from '../dubbo/fixtures.ts';
import { connectRawClient, type RawUpstream, servedBy, startRawUpstream } from './raw-peers.ts';
import { rpcBootstrap, rpcCluster, serviceListener } from './relay-bootstrap.ts';

const ECHO = 'com.example.EchoService';
const BOLT_ECHO = 'com.example.EchoService:1.0';

async function listen(server: XProtocolServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: XProtocolServer): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}

const isAnswer = (id: bigint | number) => (frame: XFrame) => frame.kind === 'response' && frame.requestId === id;

describe('x-protocol listener', () => {
  let upstream: RawUpstream;
  let mesh: Mesh;

  before(async () => {
    upstream = await startRawUpstream('up');
    upstream.behave((frame) => (frame.headers.get('method') === 'slow' ? { delayMs: 150 } : 'answer'));
    mesh = await createMesh({
      mode: 'inline',
      bootstrap: rpcBootstrap(
        [serviceListener(ECHO, [{ match: { prefix: '/' }, route: { cluster: 'echo' } }]), serviceListener(BOLT_ECHO, [{ match: { prefix: '/' }, route: { cluster: 'echo' } }])],
        [rpcCluster('echo', [upstream.port])],
      ),
    });
  });
  after(async () => {
    await mesh.close();
    await upstream.close();
  });

  it('relays calls concurrently: a fast answer overtakes a slow one, each with its caller\'s id', async () => {
    const server = createXProtocolServer(mesh, { protocol: DUBBO_PROTOCOL, log: () => {} });
    const client = await connectRawClient(await listen(server));
    try {
      client.send(Buffer.concat([dubboRequest({ id: 1, service: ECHO, method: 'slow' }), dubboRequest({ id: 2, service: ECHO, method: 'echo' })]));
      const fast = await client.next(isAnswer(2n), 'the answer to call 2');
      const slow = await client.next(isAnswer(1n), 'the answer to call 1');
      assert.deepEqual(client.frames.map((f) => f.requestId), [2n, 1n], 'answers in completion order');
      assert.equal(servedBy(fast.bytes), 'up');
      assert.match(slow.bytes.toString('latin1'), /method=slow/);
    } finally {
      await client.close();
      await closeServer(server);
    }
  });

  it('answers heartbeats itself, in the client\'s protocol, without a frame upstream', async () => {
    const server = createXProtocolServer(mesh, { log: () => {} });
    const port = await listen(server);
    const dubboClient = await connectRawClient(port);
    const boltClient = await connectRawClient(port);
    try {
      const before = upstream.frames.length;
      dubboClient.send(dubbo2jsHeartbeat());
      boltClient.send(boltHeartbeat(41, V1));
      const dubbo = await dubboClient.next((f) => f.kind === 'heartbeat-response', 'a Dubbo heartbeat answer');
      const bolt = await boltClient.next((f) => f.kind === 'heartbeat-response', 'a Bolt heartbeat answer');
      assert.equal(dubbo.protocol, DUBBO_PROTOCOL);
      assert.equal(bolt.requestId, 41);
      assert.equal(upstream.frames.length, before);
    } finally {
      await dubboClient.close();
      await boltClient.close();
      await closeServer(server);
    }
  });

  it('detects the protocol per connection: Dubbo and Bolt callers share one port', async () => {
    const server = createXProtocolServer(mesh, { log: () => {} });
    const port = await listen(server);
    const dubboClient = await connectRawClient(port);
    const boltClient = await connectRawClient(port);
    try {
      dubboClient.send(dubboRequest({ id: 10, service: ECHO }));
      boltClient.send(boltRequest(11, ECHO_REQUEST, V1));
      assert.equal(servedBy((await dubboClient.next(isAnswer(10n), 'the Dubbo answer')).bytes), 'up');
      assert.equal(servedBy((await boltClient.next(isAnswer(11), 'the Bolt answer')).bytes), 'up');
    } finally {
      await dubboClient.close();
      await boltClient.close();
      await closeServer(server);
    }
  });

  it('forwards a oneway call and answers nothing', async () => {
    const server = createXProtocolServer(mesh, { log: () => {} });
    const client = await connectRawClient(await listen(server));
    try {
      const count = upstream.calls().length;
      client.send(boltRequest(12, { ...ECHO_REQUEST, oneway: true }, V1));
      client.send(boltRequest(13, ECHO_REQUEST, V1));
      await client.next(isAnswer(13), 'the answer to the two-way call after it');
      await upstream.until(() => upstream.calls().slice(count).some((f) => f.kind === 'oneway'), 'the oneway call upstream');
      assert.deepEqual(client.frames.map((f) => f.requestId), [13]);
    } finally {
      await client.close();
      await closeServer(server);
    }
  });

  it('a malformed frame closes that connection only, with one log line naming the field', async () => {
    const lines: string[] = [];
    const server = createXProtocolServer(mesh, { protocol: DUBBO_PROTOCOL, log: (line) => lines.push(line) });
    const port = await listen(server);
    const bad = await connectRawClient(port);
    const good = await connectRawClient(port);
    try {
      bad.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      await bad.closed;
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^x-protocol sidelet\.protocol\.dubbo from 127\.0\.0\.1:\d+: dubbo header: magic 0x4745 is not 0xdabb; closing the connection$/);
      good.send(dubboRequest({ id: 20, service: ECHO }));
      assert.equal(servedBy((await good.next(isAnswer(20n), 'the answer on the other connection')).bytes), 'up');
    } finally {
      await good.close();
      await closeServer(server);
    }
  });

  it('close() stops accepting, lets the call in flight answer, then ends the connection', async () => {
    const server = createXProtocolServer(mesh, { protocol: DUBBO_PROTOCOL, log: () => {} });
    const port = await listen(server);
    const client = await connectRawClient(port);
    const count = upstream.calls().length;
    client.send(dubboRequest({ id: 30, service: ECHO, method: 'slow' }));
    await upstream.until(() => upstream.calls().length > count, 'the slow call upstream');
    const closed = once(server, 'close');
    server.close();
    await assert.rejects(connectRawClient(port), /ECONNREFUSED/);
    await client.next(isAnswer(30n), 'the answer to the call in flight');
    await client.closed;
    await closed;
  });
});

describe('x-protocol listener, a client that goes away', () => {
  it('aborts its two-way calls; its oneway calls go on', async () => {
    const signals: { kind: string; signal: AbortSignal | undefined }[] = [];
    const relay: FrameRelay = {
      relay: (frame, options) => {
        signals.push({ kind: frame.kind, signal: options.signal });
        return new Promise(() => {});
      },
    };
    const server = createXProtocolServer(relay, { log: () => {} });
    const client = await connectRawClient(await listen(server));
    try {
      client.send(Buffer.concat([boltRequest(1, ECHO_REQUEST, V1), boltRequest(2, { ...ECHO_REQUEST, oneway: true }, V1)]));
      while (signals.length < 2) await new Promise((resolve) => setImmediate(resolve));
      await client.close();
      const request = signals.find((s) => s.kind === 'request')!;
      if (!request.signal!.aborted) await once(request.signal!, 'abort');
      assert.equal(signals.find((s) => s.kind === 'oneway')!.signal, undefined);
    } finally {
      await closeServer(server);
    }
  });
});
