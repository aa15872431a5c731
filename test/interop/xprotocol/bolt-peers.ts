// Real SOFA Bolt peers on 127.0.0.1: a server and a client built on sofa-bolt-node's own
// encoder/decoder streams (the library's documented server and client wiring), hessian2 bodies.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import * as bolt from 'sofa-bolt-node';
import type { BoltHeartbeatPacket, BoltRequestPacket, BoltResponse, BoltResponsePacket, ProtocolEncoder } from 'sofa-bolt-node';
import java from 'js-to-java';
import { answer, CallLog, ECHO_EXCEPTION, ECHO_INTERFACE, failMessage, faultMessage, PeerCallError, Timers, type Fault, type ServedCall } from './echo-service.ts';

/** The default service a Bolt server exposes: `<interface>:<version>`, as SOFARPC signs services. */
export const BOLT_ECHO_SERVICE = `${ECHO_INTERFACE}:1.0`;

export interface BoltServerOptions {
  /** Named in every answer, so a test sees which instance served a call. */
  readonly name: string;
  /** Service signatures served; a call to any other gets a server error. */
  readonly services?: readonly string[];
}

/** A call as a Bolt server saw it, with the protocol version of its frame. */
export interface BoltServedCall extends ServedCall {
  readonly protocol: BoltProtocol;
  /** The frame's timeout field, in ms. */
  readonly timeoutMs: number;
}

export interface BoltServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Every call the server decoded, in arrival order. */
  readonly calls: readonly BoltServedCall[];
  /** Resolves once the server has decoded at least `count` calls. */
  untilCalls(count: number): Promise<void>;
  /** Open client connections. */
  connections(): number;
  setFault(fault: Fault): void;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A Bolt server exposing `echo(String)`, `slow(String, int ms)`, `fail()` and `nothing()` (returns
 * null) on each of its services. It answers in the protocol version (v1, or v2 with or without
 * CRC) of the request.
 */
export async function startBoltServer(options: BoltServerOptions): Promise<BoltServer> {
  const { name } = options;
  const services = new Set(options.services ?? [BOLT_ECHO_SERVICE]);
  const log = new CallLog<BoltServedCall>();
  const sockets = new Set<Socket>();
  const timers = new Timers();
  let fault: Fault = 'none';

  const serve = (packet: BoltRequestPacket, encoder: ProtocolEncoder): void => {
    const { serverSignature, methodName, args, requestProps } = packet.data;
    const version = serverSignature.slice(serverSignature.lastIndexOf(':') + 1);
    const { protocolType, crcEnable, timeout = 0 } = packet.options;
    const protocol: BoltProtocol = protocolType === 'bolt' ? 'v1' : crcEnable ? 'v2-crc' : 'v2';
    log.record({ service: serverSignature, version, group: '', method: methodName, args, props: requestProps ?? {}, protocol, timeoutMs: timeout });
    // The library refuses to encode an answer later than the request's timeout; it is dropped.
    const reply = (res: BoltResponse): void => encoder.writeResponse(packet, res, () => {});
    if (fault === 'hang') return;
    if (fault === 'error') return reply({ isError: true, errorMsg: faultMessage(name) });
    if (!services.has(serverSignature)) return reply({ isError: true, errorMsg: `${name}: no service ${serverSignature}` });
    const message = String(args[0]);
    switch (methodName) {
      case 'echo':
        return reply({ appResponse: java.String(answer(name, version, message)) });
      case 'slow':
        return timers.after(Number(args[1]), () => reply({ appResponse: java.String(answer(name, version, message)) }));
      case 'fail':
        return reply({ appResponse: businessException(failMessage(name)) });
      case 'nothing':
        return reply({ appResponse: null });
      default:
        return reply({ isError: true, errorMsg: `${name}: no method ${methodName} on ${serverSignature}` });
    }
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const sentReqs = new Map<number, unknown>();
    const encoder = bolt.encoder({ sentReqs });
    const decoder = bolt.decoder({ sentReqs });
    // A frame the library cannot decode ends the pipeline, and with it the connection.
    pipeline(encoder, socket, decoder, () => socket.destroy());
    decoder.on('request', (packet: BoltRequestPacket) => serve(packet, encoder));
    decoder.on('heartbeat', (packet: BoltHeartbeatPacket) => encoder.writeHeartbeatAck(packet));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    name,
    host: '127.0.0.1',
    port,
    calls: log.calls,
    untilCalls: (count) => log.until(count),
    connections: () => sockets.size,
    setFault: (next) => {
      fault = next;
    },
    close: async () => {
      timers.clear();
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A Java business exception with no stack frames, so the answer's bytes do not depend on this file. */
function businessException(message: string): unknown {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return java.exception(error, ECHO_EXCEPTION);
}

/** v1 (`proto` 0x01, what SOFARPC clients send by default), v2 (`proto` 0x02), v2 with a CRC32 trailer. */
export type BoltProtocol = 'v1' | 'v2' | 'v2-crc';

export interface BoltClientOptions {
  readonly host?: string;
  readonly port: number;
  readonly protocol?: BoltProtocol;
}

export interface BoltInvocation {
  /** Service signature, `<interface>:<version>`; defaults to BOLT_ECHO_SERVICE. */
  readonly service?: string;
  readonly method: string;
  /** Hessian-typed arguments (js-to-java values). */
  readonly args: readonly unknown[];
  /** Written into the frame's timeout field and enforced by the client. */
  readonly timeoutMs: number;
  readonly requestProps?: Record<string, string>;
}

export interface BoltClient {
  invoke(call: BoltInvocation): Promise<unknown>;
  echo(message: string, timeoutMs?: number, service?: string): Promise<string>;
  slow(message: string, delayMs: number, timeoutMs: number, service?: string): Promise<string>;
  fail(timeoutMs?: number, service?: string): Promise<unknown>;
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: PeerCallError) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 3000;

/** One Bolt connection straight to host:port (no registry); calls fail with PeerCallError. */
export async function connectBoltClient(options: BoltClientOptions): Promise<BoltClient> {
  const host = options.host ?? '127.0.0.1';
  const socket = connect(options.port, host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const sentReqs = new Map<number, unknown>();
  const encoder = bolt.encoder({ sentReqs });
  const decoder = bolt.decoder({ sentReqs });
  const protocol = options.protocol ?? 'v1';
  if (protocol !== 'v1') {
    encoder.protocolType = 'bolt2';
    encoder.boltVersion = protocol === 'v2-crc' ? 2 : 1;
    encoder.crcEnable = protocol === 'v2-crc';
  }
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  const settle = (id: number): Pending | undefined => {
    const entry = pending.get(id);
    if (entry === undefined) return undefined;
    pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  };

  pipeline(encoder, socket, decoder, () => {
    closed = true;
    socket.destroy();
    for (const id of [...pending.keys()]) settle(id)?.reject(new PeerCallError('closed', `bolt connection to ${host}:${options.port} closed`));
  });
  decoder.on('response', (packet: BoltResponsePacket) => {
    const entry = settle(packet.packetId);
    if (entry === undefined) return;
    const { error, appResponse } = packet.data;
    if (error) entry.reject(new PeerCallError('error', error.message, { cause: error }));
    else entry.resolve(appResponse);
  });

  const invoke = (call: BoltInvocation): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new PeerCallError('closed', `bolt connection to ${host}:${options.port} closed`));
      const id = nextId++;
      const service = call.service ?? BOLT_ECHO_SERVICE;
      const timer = setTimeout(() => {
        settle(id)?.reject(new PeerCallError('timeout', `bolt ${service}#${call.method}: no response in ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      pending.set(id, { resolve, reject, timer });
      const request = { serverSignature: service, methodName: call.method, args: [...call.args], timeout: call.timeoutMs, ...(call.requestProps ? { requestProps: call.requestProps } : {}) };
      encoder.writeRequest(id, request, (error) => {
        if (error) settle(id)?.reject(new PeerCallError('closed', `bolt ${service}#${call.method}: ${error.message}`, { cause: error }));
      });
    });

  return {
    invoke,
    echo: async (message, timeoutMs = DEFAULT_TIMEOUT_MS, service) => String(await invoke({ service, method: 'echo', args: [java.String(message)], timeoutMs })),
    slow: async (message, delayMs, timeoutMs, service) => String(await invoke({ service, method: 'slow', args: [java.String(message), java.int(delayMs)], timeoutMs })),
    fail: (timeoutMs = DEFAULT_TIMEOUT_MS, service) => invoke({ service, method: 'fail', args: [], timeoutMs }),
    close: async () => {
      if (socket.destroyed) return;
      const gone = once(socket, 'close');
      socket.destroy();
      await gone;
    },
  };
}
