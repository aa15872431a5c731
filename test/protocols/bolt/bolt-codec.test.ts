// The Bolt codec on frames sofa-bolt-node writes (v1, v2, v2 with CRC32; requests, responses,
// heartbeats), and on its own frames read back by sofa-bolt-node.
import assert from 'node:assert/strict';
import test from 'node:test';
import { MESH_FAILURES, type MeshFailureCode } from '../../../src/core/errors.ts';
import { readHeaderMap } from '../../../src/protocols/bolt/bolt-header-map.ts';
import { type BoltFrame, boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { FrameFieldError } from '../../../src/protocols/xprotocol/frame-error.ts';
import {
  boltHeartbeat,
  boltHeartbeatAck,
  boltRequest,
  boltResponse,
  decodeWithBoltNode,
  ECHO_REQUEST,
  echoProto,
  headerMapBytes,
  V1,
  V2,
  V2_CRC,
  VERSIONS,
} from './fixtures.ts';

const LIMIT = 8 * 1024 * 1024;

function decode(bytes: Buffer): BoltFrame {
  assert.deepEqual(boltCodec.frameLength(bytes, LIMIT), { kind: 'length', length: bytes.length });
  const decoded = boltCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

function decodeError(bytes: Buffer): string {
  const decoded = boltCodec.decode(bytes);
  assert.equal(decoded.kind, 'error');
  return decoded.kind === 'error' ? decoded.reason : '';
}

test('hessian2 requests in every version: id, timeout, service and class from the frame', () => {
  for (const [name, options] of VERSIONS) {
    const frame = decode(boltRequest(4096, ECHO_REQUEST, options));
    assert.equal(frame.protocol, 'sidelet.protocol.bolt');
    assert.equal(frame.kind, 'request', name);
    assert.equal(frame.requestId, 4096);
    assert.equal(frame.timeoutMs, 3000);
    assert.equal(frame.status, undefined);
    assert.equal(frame.version, options.protocolType === 'bolt' ? 1 : 2);
    assert.equal(frame.className, 'com.alipay.sofa.rpc.core.request.SofaRequest');
    assert.deepEqual(Object.fromEntries(frame.headers), { service: 'com.example.EchoService:1.0', class: 'com.alipay.sofa.rpc.core.request.SofaRequest' }, name);
    const oneway = decode(boltRequest(1, { ...ECHO_REQUEST, oneway: true }, options));
    assert.equal(oneway.kind, 'oneway', name);
    assert.equal(boltCodec.hijack(oneway, 'SIDELET_NO_ROUTE', 'x'), undefined);
  }
});

test('the SOFA header map: method, target app, target service and flattened request props, names lower-cased', () => {
  const request = {
    ...ECHO_REQUEST,
    args: [{ message: 'hi' }],
    targetAppName: 'echo-app',
    requestProps: { rpc_trace_context: { sofaTraceId: 'trace-1', sofaRpcId: '0.1' }, 'X-Zone': 'gz-1' },
  };
  const frame = decode(boltRequest(7, request, { ...V2_CRC, codecType: 'protobuf', proto: echoProto }));
  assert.deepEqual(Object.fromEntries(frame.headers), {
    service: 'com.example.EchoService:1.0',
    method: 'echo',
    class: 'com.alipay.sofa.rpc.core.request.SofaRequest',
    sofa_head_method_name: 'echo',
    sofa_head_target_app: 'echo-app',
    sofa_head_target_service: 'com.example.EchoService:1.0',
    'rpc_trace_context.sofatraceid': 'trace-1',
    'rpc_trace_context.sofarpcid': '0.1',
    'x-zone': 'gz-1',
  });
});

test('responses: success, server exception and every other status, classified', () => {
  const expected: [number, number][] = [
    [0x01, 500],
    [0x02, 500],
    [0x03, 500],
    [0x04, 503],
    [0x05, 503],
    [0x06, 404],
    [0x07, 504],
    [0x08, 503],
    [0x09, 500],
    [0x10, 502],
    [0x11, 500],
    [0x12, 500],
  ];
  for (const [name, options] of VERSIONS) {
    const ok = decode(boltResponse(5, { appResponse: 'pong' }, options));
    assert.equal(ok.kind, 'response', name);
    assert.equal(ok.status, 0);
    assert.equal(ok.requestId, 5);
    assert.equal(ok.timeoutMs, undefined);
    assert.equal(boltCodec.httpStatus(ok), 200);
    const thrown = decode(boltResponse(6, { isError: true, errorMsg: 'boom' }, options));
    assert.equal(thrown.status, 0x02, name);
    for (const [status, http] of expected) {
      const frame = decode(boltResponse(8, { status, errorMsg: 'failed' }, options));
      assert.equal(frame.status, status, `${name} ${status}`);
      assert.equal(boltCodec.httpStatus(frame), http, `${name} ${status}`);
    }
  }
});

test('heartbeats both ways, in every version: sofa-bolt-node reads our heartbeats and acknowledgements', () => {
  for (const [name, options] of VERSIONS) {
    const ping = decode(boltHeartbeat(31, options));
    assert.equal(ping.kind, 'heartbeat-request', name);
    const ack = boltCodec.replyHeartbeat(ping);
    const peerAck = decodeWithBoltNode(ack);
    assert.equal(peerAck.packetType, 'heartbeat_ack', name);
    assert.equal(peerAck.packetId, 31);
    assert.equal(peerAck.options.protocolType, options.protocolType);
    assert.equal(decode(ack).kind, 'heartbeat-response');
    assert.equal(decode(boltHeartbeatAck(32, options)).kind, 'heartbeat-response');
    const ours = boltCodec.heartbeat(33, ping);
    const peerPing = decodeWithBoltNode(ours);
    assert.equal(peerPing.packetType, 'heartbeat', name);
    assert.equal(peerPing.packetId, 33);
    assert.equal(peerPing.options.crcEnable ?? false, options.crcEnable ?? false);
  }
  const plain = decodeWithBoltNode(boltCodec.heartbeat(34));
  assert.deepEqual([plain.packetType, plain.options.protocolType], ['heartbeat', 'bolt']);
});

test('hijack answers with the mapped status in the request\'s own version; sofa-bolt-node reads it as an error for that id', () => {
  const expected: [MeshFailureCode, number][] = [
    ['SIDELET_NO_ROUTE', 0x06],
    ['SIDELET_NO_HEALTHY_UPSTREAM', 0x10],
    ['SIDELET_TIMEOUT', 0x07],
    ['SIDELET_RATE_LIMITED', 0x04],
    ['SIDELET_OVERLOADED', 0x04],
    ['SIDELET_UPSTREAM_OVERFLOW', 0x04],
    ['SIDELET_CONNECT_FAILURE', 0x10],
    ['SIDELET_FAULT_ABORT', 0x02],
  ];
  for (const [name, options] of VERSIONS) {
    const request = decode(boltRequest(900, ECHO_REQUEST, options));
    for (const [code, status] of expected) {
      const bytes = boltCodec.hijack(request, code, 'detail');
      assert.ok(bytes !== undefined);
      const response = decode(bytes);
      assert.deepEqual([response.kind, response.requestId, response.status, response.version], ['response', 900, status, request.version], `${name} ${code}`);
      assert.equal(boltCodec.statusFor(code), status);
      const peer = decodeWithBoltNode(bytes);
      assert.equal(peer.packetType, 'response');
      assert.equal(peer.packetId, 900);
      assert.ok(peer.data?.error instanceof Error, `${name} ${code}`);
    }
  }
  const request = decode(boltRequest(1, ECHO_REQUEST, V1));
  for (const code of Object.keys(MESH_FAILURES) as MeshFailureCode[]) {
    const http = boltCodec.httpStatus(decode(boltCodec.hijack(request, code, 'x')!));
    if (MESH_FAILURES[code].status === 504) assert.equal(http, 504, code);
    if (MESH_FAILURES[code].status === 404) assert.equal(http, 404, code);
    assert.ok(http >= 500 || http === 404, `${code} → ${http}`);
  }
});

test('setRequestId rewrites only the id bytes, and the CRC32 when the frame has one', () => {
  const v1 = boltRequest(1, ECHO_REQUEST, V1);
  const before = Buffer.from(v1);
  boltCodec.setRequestId(v1, 0xfffffffe);
  assert.equal(decode(v1).requestId, 0xfffffffe);
  assert.deepEqual(v1.subarray(0, 5), before.subarray(0, 5));
  assert.deepEqual(v1.subarray(9), before.subarray(9));

  const crc = boltRequest(1, ECHO_REQUEST, V2_CRC);
  const crcBefore = Buffer.from(crc);
  boltCodec.setRequestId(crc, 77n);
  assert.equal(decode(crc).requestId, 77);
  assert.deepEqual(crc.subarray(10, crc.length - 4), crcBefore.subarray(10, crc.length - 4));
  const peer = decodeWithBoltNode(crc);
  assert.deepEqual([peer.packetType, peer.packetId], ['request', 77], 'sofa-bolt-node checks the new CRC32');

  const v2 = boltRequest(1, ECHO_REQUEST, V2);
  boltCodec.setRequestId(v2, 2);
  assert.equal(decodeWithBoltNode(v2).packetId, 2);
});

test('bad frames give errors naming the field', () => {
  const request = boltRequest(1, ECHO_REQUEST, V1);
  const cases: [Buffer, string | RegExp][] = [
    [Buffer.from([0x07, 0, 0]), 'bolt header: protocol code 0x07 is neither 1 (v1) nor 2 (v2)'],
    [Buffer.from([0x02, 0x03, 0]), 'bolt v2 header: protocol version 3 is neither 1 nor 2'],
    [Buffer.from([0x01, 0x05]), 'bolt v1 header: command type 5 is not 0 (response), 1 (request) or 2 (oneway)'],
  ];
  for (const [bytes, reason] of cases) assert.deepEqual(boltCodec.frameLength(bytes, LIMIT), { kind: 'error', reason });
  const huge = Buffer.from(request);
  huge.writeInt32BE(2147483647, 18);
  assert.deepEqual(boltCodec.frameLength(huge, LIMIT), { kind: 'error', reason: 'bolt v1 request: class, header and content lengths 44 + 42 + 2147483647 exceed the 8 MiB frame limit' });
  const negative = Buffer.from(request);
  negative.writeInt16BE(-1, 14);
  assert.match((boltCodec.frameLength(negative, LIMIT) as { reason: string }).reason, /bolt v1 request: .* a length is negative/);
  assert.deepEqual(boltCodec.frameLength(request.subarray(0, 21), LIMIT), { kind: 'need-more' });

  const crc = boltRequest(1, ECHO_REQUEST, V2_CRC);
  crc[crc.length - 10] = crc[crc.length - 10]! ^ 0xff;
  assert.match(decodeError(crc), /^bolt v2: crc32 mismatch: the frame says 0x[0-9a-f]{8}, its bytes give 0x[0-9a-f]{8}$/);
  const mismatch = Buffer.from(request);
  mismatch.writeUInt16BE(2, 2);
  assert.match(decodeError(mismatch), /bolt v1 request: command code 2 does not go with command type 1/);
  const badMap = Buffer.from(request);
  badMap.writeInt32BE(1000, 22 + 44);
  assert.match(decodeError(badMap), /bolt header map: key length 1000 at offset 66 does not fit the 38 bytes left/);
  assert.match(decodeError(request.subarray(0, request.length - 1)), /bolt v1 request: the frame is \d+ bytes, its class, header and content lengths 44 \+ 42 \+ \d+ say \d+/);
});

test('detection: v1 and v2 first bytes in range', () => {
  assert.equal(boltCodec.detect(boltRequest(1, ECHO_REQUEST, V1)), 'match');
  assert.equal(boltCodec.detect(boltRequest(1, ECHO_REQUEST, V2)), 'match');
  assert.equal(boltCodec.detect(Buffer.from([0x01, 0x01, 0x00])), 'need-more');
  assert.equal(boltCodec.detect(Buffer.from([0x01, 0x01, 0x00, 0x07])), 'no-match');
  assert.equal(boltCodec.detect(Buffer.from([0xda, 0xbb])), 'no-match');
});

test('header maps as SOFA RPC writes them: null values absent, empty values kept, UTF-8 text', () => {
  const headers = new Map<string, string>();
  const bytes = headerMapBytes({ Service: 'a.B:1.0', empty: '', gone: null, 地域: '杭州' });
  readHeaderMap(bytes, 0, bytes.length, headers);
  assert.deepEqual(Object.fromEntries(headers), { service: 'a.B:1.0', empty: '', 地域: '杭州' });
  assert.throws(() => readHeaderMap(bytes, 0, bytes.length - 1, new Map()), (error) => error instanceof FrameFieldError && /value length/.test(error.message));
  assert.throws(() => readHeaderMap(Buffer.from([0, 0]), 0, 2, new Map()), /key length at offset 0 is cut off by the map's end/);
});
