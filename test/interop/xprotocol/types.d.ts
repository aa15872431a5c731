// Minimal types for the untyped peer libraries the x-protocol fixtures drive: only what the
// fixtures use, as read from each library's source (sofa-bolt-node 2.0.1, js-to-java 2.8.0,
// dubbo2.js 2.3.9's es7/directly-dubbo.js, whose own typings sit elsewhere and hide the socket).

declare module 'sofa-bolt-node' {
  import type { Transform, Writable } from 'node:stream';

  /** The options object a decoder attaches to each packet; a response is encoded with the request's. */
  export interface BoltPacketOptions {
    readonly protocolType: 'bolt' | 'bolt2';
    readonly codecType: string;
    readonly boltVersion?: number;
    readonly crcEnable?: boolean;
    /** Requests only: the timeout field of the frame, in ms. */
    readonly timeout?: number;
  }

  /** A decoded SofaRequest. */
  export interface BoltRequestData {
    readonly serverSignature: string;
    readonly methodName: string;
    readonly args: unknown[];
    readonly methodArgSigs: string[];
    readonly requestProps: Record<string, unknown> | null;
  }

  export interface BoltRequestPacket {
    readonly packetId: number;
    readonly packetType: 'request';
    readonly className: string;
    readonly data: BoltRequestData;
    readonly options: BoltPacketOptions;
  }

  export interface BoltHeartbeatPacket {
    readonly packetId: number;
    readonly packetType: 'heartbeat';
    readonly options: BoltPacketOptions;
  }

  /** A decoded SofaResponse; `error` is set for error statuses and for thrown exceptions. */
  export interface BoltResponseData {
    readonly error: Error | null;
    readonly appResponse?: unknown;
    readonly responseProps?: Record<string, unknown> | null;
  }

  export interface BoltResponsePacket {
    readonly packetId: number;
    readonly packetType: 'response';
    readonly data: BoltResponseData;
    readonly options: BoltPacketOptions;
  }

  /** A request as the encoder takes it; `timeout` (ms) is required and goes into the frame. */
  export interface BoltRequest {
    serverSignature: string;
    methodName: string;
    args: unknown[];
    timeout: number;
    requestProps?: Record<string, string>;
  }

  /** A response as the encoder takes it: `isError` + `errorMsg` gives a SERVER_EXCEPTION status. */
  export interface BoltResponse {
    isError?: boolean;
    errorMsg?: string;
    appResponse?: unknown;
    responseProps?: Record<string, string>;
  }

  export type WriteCallback = (error: Error | null | undefined) => void;

  export interface ProtocolEncoder extends Transform {
    /** `bolt` (v1, the default) or `bolt2` (v2). */
    protocolType: 'bolt' | 'bolt2';
    codecType: string;
    /** The v2 `ver1` byte; 2 allows the CRC32 trailer. */
    boltVersion: number;
    crcEnable: boolean;
    writeRequest(id: number, req: BoltRequest, callback?: WriteCallback): void;
    writeResponse(req: BoltRequestPacket, res: BoltResponse, callback?: WriteCallback): void;
    writeHeartbeatAck(hb: BoltHeartbeatPacket, callback?: WriteCallback): void;
  }

  /** Emits `request`, `response`, `heartbeat` and `heartbeat_ack` with decoded packets. */
  export type ProtocolDecoder = Writable;

  export interface CodecOptions {
    readonly sentReqs: Map<number, unknown>;
  }

  export function encoder(options: CodecOptions): ProtocolEncoder;
  export function decoder(options: CodecOptions): ProtocolDecoder;
}

declare module 'js-to-java' {
  /** A value typed for hessian: `$class` is the Java type, `$` the value. */
  export interface JavaValue {
    readonly $class: string;
    readonly $: unknown;
  }
  interface JsToJava {
    String(value: string): JavaValue;
    int(value: number): JavaValue;
    /** A Java exception object of `className` carrying the error's message and stack frames. */
    exception(error: Error, className?: string): JavaValue;
  }
  const java: JsToJava;
  export default java;
}

declare module 'dubbo2.js/es7/directly-dubbo.js' {
  import type { Socket } from 'node:net';
  import type { JavaValue } from 'js-to-java';

  export interface DirectlyDubboProps {
    /** `host:port` of the provider. */
    dubboAddress: string;
    /** The Dubbo protocol version written as the first body field, e.g. `2.0.2`. */
    dubboVersion: string;
    /** Per-call timeout in SECONDS (fractions work), counted from the call. */
    dubboInvokeTimeout: number;
  }

  export interface InvokeParam {
    dubboInterface: string;
    version?: string;
    group?: string;
    /** Sent as the `timeout` attachment only; dubbo2.js does not enforce it. */
    timeout?: number;
    methods: Record<string, (...args: never[]) => JavaValue[]>;
  }

  /** dubbo2.js never throws from a call: it resolves with the result or the error. */
  export interface CallResult {
    readonly res: unknown;
    readonly err: Error | null;
  }

  /**
   * The one connection a DirectlyDubbo holds. dubbo2.js has no close(): on 'close' it
   * reconnects every 3 s while `_retry` > 0 and settles in CLOSED at 0, so a fixture that must
   * release the socket sets `_retry` and destroys `_socket` itself.
   */
  export interface SocketWorker {
    readonly status: 'PADDING' | 'CONNECTED' | 'RETRY' | 'CLOSED';
    _retry: number;
    readonly _socket: Socket;
  }

  export class DirectlyDubbo {
    private constructor();
    static from(props: DirectlyDubboProps): DirectlyDubbo;
    proxyService(param: InvokeParam): Record<string, (...args: unknown[]) => Promise<CallResult>>;
    readonly _socketWorker: SocketWorker;
  }

  /** A CommonJS module compiled from TypeScript: the class is its `default` property. */
  const moduleExports: { readonly default: typeof DirectlyDubbo };
  export default moduleExports;
}
