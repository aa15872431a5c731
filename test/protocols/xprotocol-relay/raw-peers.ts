// Scriptable Dubbo and Bolt peers on 127.0.0.1 for the relay tests: an upstream that records every
// frame and answers each call as the test says (answer, error, delay, hang, close), with answer
// bodies made by the real peer libraries; and a client socket that reads frames back.
import { EventEmitter, once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { BOLT_PROTOCOL, type BoltFrame } from '../../../src/protocols/bolt/bolt-codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import { readDetectedFrames } from '../../../src/protocols/xprotocol/frame-connection.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { boltResponse, V1, V2, V2_CRC, type BoltOptions } from '../bolt/fixtures.ts';
import { dubboFrameOf, dubboResponse, hessianBody, java } from '../dubbo/fixtures.ts';

const registry = builtinProtocols();

/** What the upstream does with one call. */
export type Action = 'answer' | 'error' | 'hang' | 'close' | { readonly delayMs: number };

export interface RawUpstream {
  readonly name: string;
  readonly port: number;
  /** Every frame received, heartbeats included, in order. */
  readonly frames: XFrame[];
  /** Calls received (requests and oneway). */
  calls(): XFrame[];
  /** Resolves once `test` holds; checked on every frame. */
  until(test: () => boolean, what: string): Promise<void>;
  behave(action: (frame: XFrame) => Action): void;
  /** Whether heartbeat requests are answered (default yes). */
  answerHeartbeats(on: boolean): void;
  /** Sends raw bytes to every connected client (events, heartbeats from the upstream's side). */
  broadcast(bytes: Buffer): void;
  connections(): number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** The name of the upstream that served an answer frame (its response attachment or appResponse). */
export function servedBy(answer: Buffer): string {
  const decoded = registry.detect(answer);
  if (decoded.kind !== 'match') throw new Error('not a Dubbo or Bolt frame');
  const frame = decoded.codec.decode(answer);
  if (frame.kind !== 'frame') throw new Error(frame.reason);
  if (frame.frame.protocol === BOLT_PROTOCOL) {
    const bolt = frame.frame as BoltFrame;
    const text = bolt.bytes.toString('latin1');
    const match = /served-by=([\w-]+)/.exec(text);
    if (match === null) throw new Error('no served-by in the bolt answer');
    return match[1]!;
  }
  return frame.frame.headers.get('served_by') ?? '';
}

export async function startRawUpstream(name: string): Promise<RawUpstream> {
  const frames: XFrame[] = [];
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  let heartbeats = true;
  let action: (frame: XFrame) => Action = () => 'answer';

  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      sockets.delete(socket);
      events.emit('frame');
    });
    readDetectedFrames(socket, registry, {
      log: () => {},
      onFrame: (frame, codec) => {
        frames.push(frame);
        if (frame.kind === 'heartbeat-request' && heartbeats) socket.write(codec.replyHeartbeat(frame));
        if (frame.kind === 'request' || frame.kind === 'oneway') serve(socket, frame);
        events.emit('frame');
      },
    });
  });

  const serve = (socket: Socket, frame: XFrame): void => {
    const what = action(frame);
    if (frame.kind === 'oneway' || what === 'hang') return;
    if (what === 'close') return void socket.destroy();
    const reply = () => {
      if (!socket.destroyed) socket.write(what === 'error' ? errorAnswer(frame, name) : okAnswer(frame, name));
    };
    if (what === 'answer' || what === 'error') return reply();
    const timer = setTimeout(() => {
      timers.delete(timer);
      reply();
    }, what.delayMs);
    timers.add(timer);
  };

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    name,
    port: (server.address() as AddressInfo).port,
    frames,
    calls: () => frames.filter((f) => f.kind === 'request' || f.kind === 'oneway'),
    until: (test, what) =>
      new Promise((resolve, reject) => {
        if (test()) return resolve();
        const check = () => {
          if (!test()) return;
          events.off('frame', check);
          clearTimeout(guard);
          resolve();
        };
        // A generous guard so a broken test fails with a message instead of hanging the runner.
        const guard = setTimeout(() => {
          events.off('frame', check);
          reject(new Error(`${name}: gave up waiting for ${what}`));
        }, 10_000);
        events.on('frame', check);
      }),
    behave: (next) => {
      action = next;
    },
    answerHeartbeats: (on) => {
      heartbeats = on;
    },
    broadcast: (bytes) => {
      for (const socket of sockets) socket.write(bytes);
    },
    connections: () => sockets.size,
    accepted: () => accepted,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function boltOptionsOf(frame: BoltFrame): BoltOptions {
  if (frame.version === 1) return V1;
  return (frame.switchBits & 1) === 1 ? V2_CRC : V2;
}

function okAnswer(frame: XFrame, name: string): Buffer {
  const text = `served-by=${name} method=${frame.headers.get('method') ?? ''}`;
  if (frame.protocol === BOLT_PROTOCOL) return boltResponse(Number(frame.requestId), { appResponse: java.String(text) }, boltOptionsOf(frame as BoltFrame));
  return dubboResponse(frame.requestId as bigint, 4, java.String(text), { served_by: name });
}

/** A server error: Dubbo status 80 (SERVER_ERROR, 503), Bolt SERVER_EXCEPTION (500). */
function errorAnswer(frame: XFrame, name: string): Buffer {
  if (frame.protocol === BOLT_PROTOCOL) return boltResponse(Number(frame.requestId), { isError: true, errorMsg: `${name}: boom` }, boltOptionsOf(frame as BoltFrame));
  return dubboFrameOf(0x02, 80, frame.requestId as bigint, hessianBody(`${name}: boom`));
}

export interface RawClient {
  /** Every frame received, in order. */
  readonly frames: XFrame[];
  send(bytes: Buffer): void;
  /** The first frame received that `test` accepts (waiting for it if need be). */
  next(test: (frame: XFrame) => boolean, what: string): Promise<XFrame>;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function connectRawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const frames: XFrame[] = [];
  const events = new EventEmitter();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  readDetectedFrames(socket, registry, {
    log: () => {},
    onFrame: (frame) => {
      frames.push(frame);
      events.emit('frame', frame);
    },
  });
  return {
    frames,
    send: (bytes) => void socket.write(bytes),
    next: (test, what) =>
      new Promise((resolve, reject) => {
        const found = frames.find(test);
        if (found !== undefined) return resolve(found);
        const check = (frame: XFrame) => {
          if (!test(frame)) return;
          events.off('frame', check);
          clearTimeout(guard);
          resolve(frame);
        };
        const guard = setTimeout(() => {
          events.off('frame', check);
          reject(new Error(`client: gave up waiting for ${what}`));
        }, 10_000);
        events.on('frame', check);
      }),
    closed,
    close: async () => {
      socket.destroy();
      await closed;
    },
  };
}
