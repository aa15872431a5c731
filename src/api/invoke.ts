// One Dubbo or SOFA Bolt call from JS values (mesh.invoke): the request frame encoded with
// hessian2, handed to the mesh's relay like a frame from a listener, and the answer read back
// into the returned value, an RpcError (the method threw), an RpcServerError or a MeshError.
import { type Clock, systemClock, type TimerHandle } from '../core/clock.ts';
import { MeshError } from '../core/errors.ts';
import { BOLT_PROTOCOL, type BoltFrame } from '../protocols/bolt/bolt-codec.ts';
import { type BoltWireVersion, encodeBoltRequest, sofaServiceName } from '../protocols/bolt/bolt-request-encoder.ts';
import { decodeBoltResponse } from '../protocols/bolt/bolt-response-decoder.ts';
import { DUBBO_PROTOCOL, type DubboFrame } from '../protocols/dubbo/dubbo-codec.ts';
import { encodeDubboRequest } from '../protocols/dubbo/dubbo-request-encoder.ts';
import { decodeDubboResponse } from '../protocols/dubbo/dubbo-response-decoder.ts';
import type { XProtocolCodec } from '../protocols/xprotocol/codec.ts';
import type { XFrame } from '../protocols/xprotocol/frame.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../protocols/xprotocol/frame-reader.ts';
import { javaArgs } from '../protocols/xprotocol/java-args.ts';
import type { ProtocolRegistry } from '../protocols/xprotocol/registry.ts';
import type { RpcOutcome } from '../protocols/xprotocol/rpc-outcome.ts';
import { RpcError, type RpcProtocol, RpcServerError } from './rpc-errors.ts';

/**
 * Sends a request frame through the mesh and resolves with the answer's bytes: the upstream's
 * response, or the codec's hijacked error response for a mesh failure (undefined only for oneway
 * requests, which invoke never sends). It may also reject with a MeshError. `signal` aborts when
 * the caller stops waiting (its timeout or its own signal). `(frame, signal) =>
 * mesh.relay(frame, { signal })` is one.
 */
export type Relay = (frame: XFrame, signal: AbortSignal) => Promise<Buffer | undefined>;

export interface InvokeOptions {
  readonly protocol: RpcProtocol;
  /** The interface: Dubbo's service path, the first part of SOFA's unique name. */
  readonly service: string;
  readonly method: string;
  /** Dubbo: default `0.0.0`; Bolt: default `1.0`. */
  readonly version?: string;
  /** Dubbo's group; for Bolt, SOFA's uniqueId (the third part of the unique name). */
  readonly group?: string;
  /** Plain values (types inferred) or js-to-java typed values `{ $class, $ }`; see docs/invoke.md. */
  readonly args?: readonly unknown[];
  /** Dubbo attachments, or SOFA request props (also put in the Bolt header map). */
  readonly attachments?: Readonly<Record<string, string>>;
  /** The caller's deadline in ms: carried by the frame (Dubbo `timeout` attachment, Bolt timeout field) and enforced here. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** Bolt: the target application (`sofa_head_target_app`). */
  readonly targetApp?: string;
  /** Bolt: `v1` (default, what SOFA RPC sends), `v2`, or `v2-crc`. */
  readonly boltProtocol?: BoltWireVersion;
}

const CODEC_NAMES: Readonly<Record<RpcProtocol, string>> = { dubbo: DUBBO_PROTOCOL, bolt: BOLT_PROTOCOL };
const BOLT_WIRES: readonly BoltWireVersion[] = ['v1', 'v2', 'v2-crc'];
const MAX_TIMEOUT_MS = 0x7fffffff;

// Ids only tell this process's calls apart on the way to the relay, which numbers them per upstream connection.
let lastDubboId = 0n;
let lastBoltId = 0;

/**
 * Calls `options.method` and resolves with what it returned (hessian.js's decoding: null for
 * Java null). Rejects with RpcError when the method threw, RpcServerError when the server failed
 * the call, MeshError (stable `code`) when the mesh did, the signal's reason when aborted, and a
 * TypeError naming the option for bad options.
 */
export async function invoke(relay: Relay, registry: ProtocolRegistry, options: InvokeOptions, clock: Clock = systemClock): Promise<unknown> {
  checkOptions(options);
  const { protocol, service, method } = options;
  const codec = registry.get(CODEC_NAMES[protocol]);
  if (codec === undefined) throw new Error(`invoke: no ${CODEC_NAMES[protocol]} codec is registered`);
  const bytes = encode(options);
  const length = codec.frameLength(bytes, DEFAULT_MAX_PAYLOAD_BYTES);
  if (length.kind === 'error') throw new RangeError(`invoke: ${length.reason}`);
  const request = codec.decode(bytes);
  if (request.kind === 'error') throw new TypeError(`invoke: the request frame does not decode: ${request.reason}`);
  const answer = await withDeadline(relay, request.frame, options, clock);
  const outcome = readAnswer(codec, answer);
  switch (outcome.kind) {
    case 'value':
      return outcome.value;
    case 'exception':
      throw new RpcError(protocol, service, method, outcome.className, outcome.message, outcome.exception);
    case 'mesh-failure':
      throw new MeshError(outcome.code, outcome.detail);
    case 'server-error':
      throw new RpcServerError(protocol, service, method, outcome.status, outcome.statusName, outcome.message);
  }
}

function encode(options: InvokeOptions): Buffer {
  const args = javaArgs(options.args ?? [], 'invoke: options.args');
  if (options.protocol === 'dubbo') {
    lastDubboId = BigInt.asIntN(64, lastDubboId + 1n);
    return encodeDubboRequest({ ...options, args, timeoutMs: options.timeout }, lastDubboId);
  }
  // Positive 31-bit ids, as Java's int counters hand out.
  lastBoltId = (lastBoltId % 0x7fffffff) + 1;
  const service = sofaServiceName(options.service, options.version, options.group);
  return encodeBoltRequest({ service, method: options.method, args, targetApp: options.targetApp, requestProps: options.attachments, timeoutMs: options.timeout, wire: options.boltProtocol }, lastBoltId);
}

function readAnswer(codec: XProtocolCodec, answer: Buffer | undefined): RpcOutcome {
  if (answer === undefined) return { kind: 'server-error', status: undefined, statusName: '', message: 'the relay gave no answer to a two-way request' };
  const decoded = codec.decode(answer);
  if (decoded.kind === 'error') return { kind: 'server-error', status: undefined, statusName: '', message: decoded.reason };
  const { frame } = decoded;
  if (frame.kind !== 'response') return { kind: 'server-error', status: undefined, statusName: '', message: `the relay answered with a ${frame.kind} frame, not a response` };
  return frame.protocol === DUBBO_PROTOCOL ? decodeDubboResponse(frame as DubboFrame) : decodeBoltResponse(frame as BoltFrame);
}

/** The relay's answer, unless the timeout or the caller's signal comes first; either aborts the relay. */
function withDeadline(relay: Relay, frame: XFrame, options: InvokeOptions, clock: Clock): Promise<Buffer | undefined> {
  const { signal, timeout } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const controller = new AbortController();
  return new Promise<Buffer | undefined>((resolve, reject) => {
    let timer: TimerHandle | undefined;
    const settle = (): void => {
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
    };
    const give = (reason: unknown): void => {
      settle();
      controller.abort(reason);
      reject(reason);
    };
    const onAbort = (): void => give(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) {
      timer = clock.schedule(timeout, () => give(new MeshError('SIDELET_TIMEOUT', `${options.protocol} ${options.service}#${options.method}: no answer within the ${timeout} ms timeout`)));
    }
    const answer = (bytes: Buffer | undefined): void => {
      settle();
      resolve(bytes);
    };
    const failed = (error: unknown): void => {
      settle();
      reject(error);
    };
    try {
      relay(frame, controller.signal).then(answer, failed);
    } catch (error) {
      failed(error);
    }
  });
}

function checkOptions(options: InvokeOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('invoke: options: expected an object');
  if (!Object.hasOwn(CODEC_NAMES, options.protocol)) throw new TypeError(`invoke: options.protocol: expected "dubbo" or "bolt", got ${JSON.stringify(options.protocol)}`);
  for (const name of ['service', 'method'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new TypeError(`invoke: options.${name}: expected a non-empty string`);
  }
  for (const name of ['version', 'group', 'targetApp'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string') throw new TypeError(`invoke: options.${name}: expected a string`);
  }
  if (options.args !== undefined && !Array.isArray(options.args)) throw new TypeError('invoke: options.args: expected an array');
  if (options.attachments !== undefined) {
    if (typeof options.attachments !== 'object' || options.attachments === null) throw new TypeError('invoke: options.attachments: expected an object of strings');
    for (const [name, value] of Object.entries(options.attachments)) {
      if (typeof value !== 'string') throw new TypeError(`invoke: options.attachments.${name}: expected a string, got ${typeof value}`);
    }
  }
  const { timeout } = options;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS)) {
    throw new TypeError(`invoke: options.timeout: expected a positive integer of ms up to ${MAX_TIMEOUT_MS}, got ${String(timeout)}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError('invoke: options.signal: expected an AbortSignal');
  if (options.boltProtocol !== undefined && !BOLT_WIRES.includes(options.boltProtocol)) {
    throw new TypeError(`invoke: options.boltProtocol: expected one of ${BOLT_WIRES.join(', ')}, got ${JSON.stringify(options.boltProtocol)}`);
  }
}
