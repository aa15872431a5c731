// Dubbo frames made by real peers: requests and heartbeats by dubbo2.js's encoder, bodies by
// hessian.js (as Dubbo's DubboCodec lays out responses), and dubbo2.js's decoder to read ours.
// The libraries are untyped: loaded with require and typed here for only what the tests use.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface JavaValue {
  readonly $class: string;
  readonly $: unknown;
}

interface JsToJava {
  (className: string, value: unknown): JavaValue;
  String(value: string): JavaValue;
  int(value: number): JavaValue;
  long(value: number): JavaValue;
  double(value: number): JavaValue;
  boolean(value: boolean): JavaValue;
  List(value: unknown[]): JavaValue;
  Map(value: Record<string, unknown>): JavaValue;
  array(className: string, value: unknown[]): JavaValue;
  exception(error: Error, className?: string): JavaValue;
}

interface HessianEncoder {
  write(value: unknown): unknown;
  get(): Buffer;
}

interface HessianModule {
  readonly EncoderV2: new () => HessianEncoder;
  decode(buf: Buffer, version: '2.0'): unknown;
}

interface EncodeContext {
  requestId: number;
  dubboVersion: string;
  dubboInterface: string;
  path: string;
  version: string;
  methodName: string;
  methodArgs: JavaValue[];
  group?: string;
  timeout?: number;
  application: { name?: string };
  attachments: Record<string, unknown>;
}

interface DubboDecodeResult {
  readonly requestId: number;
  readonly err: Error | null;
  readonly res: unknown;
  readonly attachments: Record<string, unknown>;
}

export const java = require('js-to-java') as JsToJava;
export const hessian = require('hessian.js') as HessianModule;
const { default: DubboEncoder } = require('dubbo2.js/es7/encode.js') as { default: new (ctx: EncodeContext) => { encode(): Buffer } };
const { decode: dubbo2Decode } = require('dubbo2.js/es7/decode.js') as { decode(bytes: Buffer): DubboDecodeResult };
const { default: HeartBeat } = require('dubbo2.js/es7/heartbeat.js') as { default: { encode(): Buffer; isHeartBeat(buf: Buffer): boolean } };

export interface RequestOptions {
  readonly id?: number;
  readonly service?: string;
  readonly version?: string;
  readonly method?: string;
  readonly args?: JavaValue[];
  readonly group?: string;
  readonly timeout?: number;
  readonly application?: string;
  readonly attachments?: Record<string, unknown>;
}

/** A two-way request as dubbo2.js sends it; attachments gain path, interface, version, group, timeout, application. */
export function dubboRequest(options: RequestOptions = {}): Buffer {
  const service = options.service ?? 'com.example.EchoService';
  const ctx: EncodeContext = {
    requestId: options.id ?? 1,
    dubboVersion: '2.0.2',
    dubboInterface: service,
    path: service,
    version: options.version ?? '1.0.0',
    methodName: options.method ?? 'echo',
    methodArgs: options.args ?? [java.String('hello')],
    application: { name: options.application ?? 'caller-app' },
    attachments: options.attachments ?? {},
  };
  if (options.group !== undefined) ctx.group = options.group;
  if (options.timeout !== undefined) ctx.timeout = options.timeout;
  return Buffer.from(new DubboEncoder(ctx).encode());
}

export function dubbo2jsHeartbeat(): Buffer {
  return Buffer.from(HeartBeat.encode());
}

export const isDubbo2jsHeartbeat = (frame: Buffer): boolean => HeartBeat.isHeartBeat(frame);

/** What a dubbo2.js client makes of a response frame. */
export const decodeWithDubbo2js = (frame: Buffer): DubboDecodeResult => dubbo2Decode(frame);

/** hessian.js writing `values` one after another, as Dubbo writes a body. */
export function hessianBody(...values: unknown[]): Buffer {
  const encoder = new hessian.EncoderV2();
  for (const value of values) encoder.write(value);
  return Buffer.from(encoder.get());
}

/** A 16-byte Dubbo header (hessian2 unless `flags` says otherwise) before `body`. */
export function dubboFrameOf(flags: number, status: number, id: bigint, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = flags;
  header[3] = status;
  header.writeBigInt64BE(id, 4);
  header.writeInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** An OK response of Dubbo's response type 0-5 (DubboCodec.encodeResponseData). */
export function dubboResponse(id: bigint, type: number, value?: unknown, attachments?: Record<string, unknown>): Buffer {
  const values: unknown[] = [java.int(type)];
  if (type !== 2 && type !== 5) values.push(value);
  if (type >= 3) values.push({ $class: 'java.util.HashMap', $: attachments ?? {} });
  return dubboFrameOf(0x02, 20, id, hessianBody(...values));
}
