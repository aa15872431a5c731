// Frames over real sockets on 127.0.0.1: a listener that detects the protocol, answers with the
// codec, and closes only the connection that sends a bad frame, with a log line naming why.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import test from 'node:test';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import { readDetectedFrames, readFrames } from '../../../src/protocols/xprotocol/frame-connection.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { boltRequest, decodeWithBoltNode, ECHO_REQUEST, V2_CRC } from '../bolt/fixtures.ts';
import { decodeWithDubbo2js, dubboRequest, java } from '../dubbo/fixtures.ts';

interface Listener {
  readonly server: Server;
  readonly port: number;
  readonly logs: string[];
  /** Each served frame's protocol, kind and service. */
  readonly served: string[];
  readonly sockets: Set<Socket>;
}

/** Answers every request by hijacking it with SIDELET_NO_ROUTE: the codec's own response, no upstream needed. */
function answer(frame: XFrame, codec: XProtocolCodec, socket: Socket, served: string[]): void {
  served.push(`${codec.name} ${frame.kind} ${frame.headers.get('service') ?? ''}`);
  if (frame.headers.get('method') === 'explode') throw new Error('handler bug');
  if (frame.kind === 'heartbeat-request') socket.write(codec.replyHeartbeat(frame));
  const reply = codec.hijack(frame, 'SIDELET_NO_ROUTE', `no route for ${frame.headers.get('service')}`);
  if (reply !== undefined) socket.write(reply);
}

async function listen(): Promise<Listener> {
  const registry = builtinProtocols();
  const logs: string[] = [];
  const served: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    readDetectedFrames(socket, registry, { maxPayloadBytes: 64 * 1024, log: (line) => logs.push(line), onFrame: (frame, codec) => answer(frame, codec, socket, served) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, logs, served, sockets };
}

async function close(listener: Listener): Promise<void> {
  for (const socket of listener.sockets) socket.destroy();
  listener.server.close();
  await once(listener.server, 'close');
}

async function connect(port: number): Promise<Socket> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  // The server closes bad connections while the client may still be writing (EPIPE, ECONNRESET).
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves when the socket closes, however (a reset included). */
const closed = (socket: Socket): Promise<void> => new Promise((resolve) => socket.once('close', () => resolve()));

/** Resolves with the next `length` bytes the socket receives. */
async function receive(socket: Socket, length: number): Promise<Buffer> {
  let got = Buffer.alloc(0);
  while (got.length < length) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    got = Buffer.concat([got, chunk]);
  }
  return got;
}

/** Writes `bytes` a few bytes at a time, each write its own packet as far as the test can make it. */
async function drip(socket: Socket, bytes: Buffer, size: number): Promise<void> {
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('dubbo and bolt clients on one listener get answers in their own protocol; a bad client is closed alone, with a log line', async () => {
  const listener = await listen();
  const dubbo = await connect(listener.port);
  const bolt = await connect(listener.port);
  try {
    await drip(dubbo, dubboRequest({ id: 11, service: 'com.example.OrderService' }), 7);
    const dubboReply = await receive(dubbo, 16);
    const dubboAnswer = decodeWithDubbo2js(dubboReply);
    assert.equal(dubboAnswer.requestId, 11);
    assert.match(String(dubboAnswer.err?.message), /SIDELET_NO_ROUTE: no route for com\.example\.OrderService/);

    bolt.write(Buffer.concat([boltRequest(21, ECHO_REQUEST, V2_CRC), boltRequest(22, ECHO_REQUEST, V2_CRC)]));
    const boltReplies = await receive(bolt, 2 * 26);
    assert.deepEqual([decodeWithBoltNode(boltReplies.subarray(0, 26)).packetId, decodeWithBoltNode(boltReplies.subarray(26)).packetId], [21, 22]);

    const bad = await connect(listener.port);
    bad.write(dubboRequest({ id: 12 }).subarray(0, 16));
    const corrupt = Buffer.from(dubboRequest({ id: 13 }));
    corrupt[0] = 0x00;
    bad.write(corrupt);
    await closed(bad);
    assert.equal(listener.logs.length, 1);
    assert.match(listener.logs[0]!, /^x-protocol sidelet\.protocol\.dubbo from 127\.0\.0\.1:\d+: dubbo request body: .*; closing the connection$/);

    dubbo.write(dubboRequest({ id: 14 }));
    assert.equal(decodeWithDubbo2js(await receive(dubbo, 16)).requestId, 14, 'the other connections are untouched');
    assert.deepEqual(listener.served, [
      'sidelet.protocol.dubbo request com.example.OrderService',
      'sidelet.protocol.bolt request com.example.EchoService:1.0',
      'sidelet.protocol.bolt request com.example.EchoService:1.0',
      'sidelet.protocol.dubbo request com.example.EchoService',
    ]);
  } finally {
    dubbo.destroy();
    bolt.destroy();
    await close(listener);
  }
});

test('unknown first bytes, an oversized frame and a failing handler each close their connection with the reason', async () => {
  const listener = await listen();
  try {
    const http = await connect(listener.port);
    http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed(http);

    const big = await connect(listener.port);
    big.write(dubboRequest({ args: [java.String('z'.repeat(70_000))] }));
    await closed(big);

    const exploding = await connect(listener.port);
    exploding.write(dubboRequest({ method: 'explode' }));
    await closed(exploding);

    assert.equal(listener.logs.length, 3);
    assert.match(listener.logs[0]!, /^x-protocol connection from 127\.0\.0\.1:\d+: unknown protocol: first bytes 0x47 0x45 0x54 0x20 0x2f match none of sidelet\.protocol\.dubbo, sidelet\.protocol\.bolt; closing the connection$/);
    assert.match(listener.logs[1]!, /: dubbo header: body length \d+ exceeds the 64 KiB frame limit; closing the connection$/);
    assert.match(listener.logs[2]!, /: frame handler failed: handler bug; closing the connection$/);
  } finally {
    await close(listener);
  }
});

test('a known protocol without detection: heartbeats answered on an upstream-style connection', async () => {
  const logs: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    readFrames(socket, boltCodec, {
      log: (line) => logs.push(line),
      onFrame: (frame, codec) => {
        if (frame.kind === 'heartbeat-request') socket.write(codec.replyHeartbeat(frame));
      },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = await connect((server.address() as AddressInfo).port);
  try {
    client.write(boltCodec.heartbeat(5));
    const ack = decodeWithBoltNode(await receive(client, 20));
    assert.deepEqual([ack.packetType, ack.packetId], ['heartbeat_ack', 5]);
    client.write(dubboCodec.heartbeat(6n));
    await closed(client);
    assert.match(logs[0]!, /^x-protocol sidelet\.protocol\.bolt from .*: bolt header: protocol code 0xda is neither 1 \(v1\) nor 2 \(v2\); closing the connection$/);
  } finally {
    client.destroy();
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  }
});
