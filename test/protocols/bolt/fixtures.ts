// Bolt frames made and read by a real peer, sofa-bolt-node's protocol module: requests,
// responses and heartbeats in v1, v2 and v2 with CRC32; hessian2 bodies, or protobuf ones (whose
// requests carry the full SOFA header map). Untyped library: typed here for what the tests use.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface BoltOptions {
  readonly protocolType: 'bolt' | 'bolt2';
  readonly codecType: 'hessian2' | 'protobuf';
  readonly boltVersion?: number;
  readonly crcEnable?: boolean;
  readonly proto?: unknown;
}

export interface BoltRequest {
  serverSignature: string;
  methodName: string;
  args: unknown[];
  timeout: number;
  oneway?: boolean;
  targetAppName?: string;
  requestProps?: Record<string, unknown>;
}

export interface BoltResponse {
  status?: number;
  isError?: boolean;
  errorMsg?: string;
  appResponse?: unknown;
}

/** A frame as sofa-bolt-node's decoder reads it. */
export interface BoltPacket {
  readonly packetId: number;
  readonly packetType: 'request' | 'response' | 'heartbeat' | 'heartbeat_ack';
  readonly className?: string;
  readonly data?: { readonly error?: Error | null; readonly methodName?: string; readonly serverSignature?: string };
  readonly options: { readonly protocolType: string; readonly boltVersion?: number; readonly crcEnable?: boolean; readonly timeout?: number };
}

interface BoltProtocol {
  requestEncode(id: number, req: BoltRequest, options: BoltOptions): Buffer;
  responseEncode(id: number, res: BoltResponse, options: BoltOptions): Buffer;
  heartbeatEncode(id: number, hb: object, options: BoltOptions): Buffer;
  heartbeatAckEncode(id: number, options: BoltOptions): Buffer;
  decode(buf: Buffer, options: object): BoltPacket;
}

interface ProtobufModule {
  parse(source: string): { root: unknown };
}

const protocol = require('sofa-bolt-node/lib/protocol/index.js') as BoltProtocol;
const simpleMap = require('sofa-bolt-node/lib/simple_map_serializer.js') as { encode(map: Record<string, string | null>): Buffer };
const protobuf = require('protobufjs') as ProtobufModule;

/** A protobuf schema of services in package com.example, each with `echo` and `query`, for sofa-bolt-node's protobuf codec. */
export function echoServicesProto(names: readonly string[]): unknown {
  const services = names.map((name) => `service ${name} { rpc echo (EchoRequest) returns (EchoResponse); rpc query (EchoRequest) returns (EchoResponse); }`);
  return protobuf.parse(`
    syntax = "proto3";
    package com.example;
    message EchoRequest { string message = 1; }
    message EchoResponse { string message = 1; }
    ${services.join('\n')}
  `).root;
}

export const echoProto = echoServicesProto(['EchoService']);

export const V1: BoltOptions = { protocolType: 'bolt', codecType: 'hessian2' };
export const V2: BoltOptions = { protocolType: 'bolt2', codecType: 'hessian2', boltVersion: 1 };
export const V2_CRC: BoltOptions = { protocolType: 'bolt2', codecType: 'hessian2', boltVersion: 2, crcEnable: true };
export const VERSIONS: readonly [string, BoltOptions][] = [
  ['v1', V1],
  ['v2', V2],
  ['v2 with crc32', V2_CRC],
];

export const ECHO_REQUEST: BoltRequest = {
  serverSignature: 'com.example.EchoService:1.0',
  methodName: 'echo',
  args: [{ $class: 'java.lang.String', $: 'hello' }],
  timeout: 3000,
};

// sofa-bolt-node encodes into one shared buffer: every frame is copied out at once.
export const boltRequest = (id: number, req: BoltRequest, options: BoltOptions): Buffer => Buffer.from(protocol.requestEncode(id, req, options));
export const boltResponse = (id: number, res: BoltResponse, options: BoltOptions): Buffer => Buffer.from(protocol.responseEncode(id, res, options));
export const boltHeartbeat = (id: number, options: BoltOptions): Buffer => Buffer.from(protocol.heartbeatEncode(id, {}, options));
export const boltHeartbeatAck = (id: number, options: BoltOptions): Buffer => Buffer.from(protocol.heartbeatAckEncode(id, options));
export const decodeWithBoltNode = (frame: Buffer): BoltPacket => protocol.decode(frame, {});
export const headerMapBytes = (map: Record<string, string | null>): Buffer => simpleMap.encode(map);
