// The Dubbo codec on frames real peers write (dubbo2.js requests and heartbeats, hessian.js
// bodies in Dubbo's layout), and on its own frames read back by dubbo2.js.
import assert from 'node:assert/strict';
import test from 'node:test';
import { MESH_FAILURES, type MeshFailureCode } from '../../../src/core/errors.ts';
import { type DubboFrame, dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { countParameters } from '../../../src/protocols/dubbo/dubbo-body.ts';
import { decodeWithDubbo2js, dubbo2jsHeartbeat, dubboFrameOf, dubboRequest, dubboResponse, hessian, hessianBody, isDubbo2jsHeartbeat, java } from './fixtures.ts';

const LIMIT = 8 * 1024 * 1024;

function decode(bytes: Buffer): DubboFrame {
  const length = dubboCodec.frameLength(bytes, LIMIT);
  assert.deepEqual(length, { kind: 'length', length: bytes.length });
  const decoded = dubboCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

function decodeError(bytes: Buffer): string {
  const decoded = dubboCodec.decode(bytes);
  assert.equal(decoded.kind, 'error');
  return decoded.kind === 'error' ? decoded.reason : '';
}

test('a dubbo2.js request: metas from the body, attachments as headers, the arguments stepped over', () => {
  const args = [
    java.String('héllo 😀'),
    java.int(42),
    java('com.example.User', { name: 'ann', tags: java.List(['a', 'b']), scores: java.Map({ x: java.double(1.5) }) }),
    java.array('java.lang.String', ['p', 'q']),
    java.long(9007199254740991),
    java.boolean(true),
    { $class: 'java.util.Date', $: new Date(1_700_000_000_000) },
    java.array('byte', Array.from({ length: 3000 }, (_, i) => i % 100)),
  ];
  const frame = decode(
    dubboRequest({ id: 77, service: 'com.example.OrderService', version: '2.1.0', method: 'place', args, group: 'gold', timeout: 1500, application: 'shop', attachments: { 'X-Tenant': 'acme' } }),
  );
  assert.equal(frame.protocol, 'sidelet.protocol.dubbo');
  assert.equal(frame.kind, 'request');
  assert.equal(frame.requestId, 77n);
  assert.equal(frame.timeoutMs, 1500);
  assert.equal(frame.status, undefined);
  assert.equal(frame.serializationId, 2);
  assert.deepEqual(Object.fromEntries(frame.headers), {
    service: 'com.example.OrderService',
    method: 'place',
    version: '2.1.0',
    group: 'gold',
    interface: 'com.example.OrderService',
    path: 'com.example.OrderService',
    application: 'shop',
    timeout: '1500',
    'x-tenant': 'acme',
    dubbo: '2.0.2',
  });
});

test('a call without arguments, and a generic $invoke routed by the real method name', () => {
  const none = decode(dubboRequest({ method: 'ping', args: [] }));
  assert.equal(none.headers.get('method'), 'ping');
  assert.equal(none.headers.get('application'), 'caller-app');
  const generic = decode(dubboRequest({ method: '$invoke', args: [java.String('realMethod'), java.array('java.lang.String', ['java.lang.String']), java.array('java.lang.Object', ['x'])] }));
  assert.equal(generic.headers.get('method'), 'realMethod');
});

test('a request without the two-way flag is oneway; no timeout attachment means no timeout', () => {
  const bytes = dubboRequest({ id: 5 });
  bytes[2] = bytes[2]! & ~0x40;
  const frame = decode(bytes);
  assert.equal(frame.kind, 'oneway');
  assert.equal(frame.timeoutMs, undefined);
  assert.equal(dubboCodec.hijack(frame, 'SIDELET_NO_ROUTE', 'x'), undefined);
});

test('request ids are signed 64-bit; setRequestId rewrites bytes 4 to 11 and nothing else', () => {
  const bytes = dubboFrameOf(0xc2, 0, -2n, hessianBody('2.0.2', 'com.example.S', '', 'm', '', { $class: 'java.util.HashMap', $: {} }));
  assert.equal(decode(bytes).requestId, -2n);
  const before = Buffer.from(bytes);
  dubboCodec.setRequestId(bytes, 2n ** 62n + 3n);
  assert.equal(decode(bytes).requestId, 2n ** 62n + 3n);
  assert.deepEqual(bytes.subarray(0, 4), before.subarray(0, 4));
  assert.deepEqual(bytes.subarray(12), before.subarray(12));
  dubboCodec.setRequestId(bytes, 2n ** 64n - 1n);
  assert.equal(decode(bytes).requestId, -1n, 'an unsigned id wraps to the signed value Java reads');
  dubboCodec.setRequestId(bytes, 12);
  assert.equal(decode(bytes).requestId, 12n);
});

test('every response kind: value, null and exception, each with and without attachments; dubbo2.js reads the same frames', () => {
  const exception = java.exception(new Error('boom'), 'com.example.EchoException');
  const value = java('com.example.Reply', { text: 'hi', items: java.List([1, 2]) });
  const attachments = { 'Trace-Id': 't-1', dubbo: '2.0.2' };
  const cases: [number, unknown, string, Record<string, string>][] = [
    [0, exception, 'exception', {}],
    [1, value, 'value', {}],
    [2, undefined, 'null', {}],
    [3, exception, 'exception', { 'trace-id': 't-1', dubbo: '2.0.2' }],
    [4, value, 'value', { 'trace-id': 't-1', dubbo: '2.0.2' }],
    [5, undefined, 'null', { 'trace-id': 't-1', dubbo: '2.0.2' }],
  ];
  for (const [type, body, responseType, headers] of cases) {
    const bytes = dubboResponse(9n, type, body, attachments);
    const frame = decode(bytes);
    assert.equal(frame.kind, 'response', `type ${type}`);
    assert.equal(frame.status, 20);
    assert.equal(frame.responseType, responseType, `type ${type}`);
    assert.deepEqual(Object.fromEntries(frame.headers), headers, `type ${type}`);
    assert.equal(dubboCodec.httpStatus(frame), 200, 'a business exception is a completed call');
    const peer = decodeWithDubbo2js(bytes);
    assert.equal(peer.err !== null, responseType === 'exception', `dubbo2.js on type ${type}`);
  }
});

test('non-OK statuses carry the error message and classify as HTTP-like statuses', () => {
  const expected: [number, number][] = [
    [30, 504],
    [31, 504],
    [40, 400],
    [50, 502],
    [60, 404],
    [70, 500],
    [80, 503],
    [90, 400],
    [100, 503],
    [55, 500],
  ];
  for (const [status, http] of expected) {
    const frame = decode(dubboFrameOf(0x02, status, 3n, hessianBody(`failed with ${status}`)));
    assert.equal(frame.status, status);
    assert.equal(frame.errorMessage, `failed with ${status}`);
    assert.equal(frame.responseType, undefined);
    assert.equal(dubboCodec.httpStatus(frame), http, `status ${status}`);
  }
});

test('heartbeats: dubbo2.js heartbeats are recognised and answered; ours are heartbeats to dubbo2.js', () => {
  const ping = decode(dubbo2jsHeartbeat());
  assert.equal(ping.kind, 'heartbeat-request');
  const pong = dubboCodec.replyHeartbeat(ping);
  assert.ok(isDubbo2jsHeartbeat(pong));
  const pongFrame = decode(pong);
  assert.equal(pongFrame.kind, 'heartbeat-response');
  assert.equal(pongFrame.requestId, ping.requestId);
  assert.equal(pongFrame.status, 20);
  assert.equal(dubboCodec.httpStatus(pongFrame), 200);
  const ours = dubboCodec.heartbeat(41n);
  assert.ok(isDubbo2jsHeartbeat(ours));
  const oursFrame = decode(ours);
  assert.equal(oursFrame.kind, 'heartbeat-request');
  assert.equal(oursFrame.requestId, 41n);
  assert.equal(decode(dubboFrameOf(0xe2, 0, 1n, Buffer.alloc(0))).kind, 'heartbeat-request', 'an empty event body is a heartbeat too');
  assert.equal(decode(dubboFrameOf(0x22, 20, 1n, Buffer.from('NN'))).kind, 'heartbeat-response', "MOSN's two-null heartbeat reply");
});

test('an event that is not a heartbeat (READONLY) is an event, not routed', () => {
  const frame = decode(dubboFrameOf(0xa2, 0, 8n, hessianBody('R')));
  assert.equal(frame.kind, 'event');
  assert.equal(frame.headers.get('event'), 'R');
});

test('hijack answers a request with the mapped status and "CODE: detail"; dubbo2.js sees an error for the request', () => {
  const request = decode(dubboRequest({ id: 123 }));
  const expected: [MeshFailureCode, number][] = [
    ['SIDELET_NO_ROUTE', 60],
    ['SIDELET_NO_HEALTHY_UPSTREAM', 80],
    ['SIDELET_TIMEOUT', 31],
    ['SIDELET_RATE_LIMITED', 100],
    ['SIDELET_OVERLOADED', 100],
    ['SIDELET_BREAKER_OPEN', 100],
    ['SIDELET_UPSTREAM_RESET', 80],
    ['SIDELET_FAULT_ABORT', 70],
  ];
  for (const [code, status] of expected) {
    const bytes = dubboCodec.hijack(request, code, 'no route to com.example.EchoService');
    assert.ok(bytes !== undefined);
    const response = decode(bytes);
    assert.equal(response.kind, 'response');
    assert.equal(response.requestId, 123n);
    assert.equal(response.status, status, code);
    assert.equal(dubboCodec.statusFor(code), status);
    assert.equal(response.errorMessage, `${code}: no route to com.example.EchoService`);
    assert.equal(hessian.decode(bytes.subarray(16), '2.0'), `${code}: no route to com.example.EchoService`);
    const peer = decodeWithDubbo2js(bytes);
    assert.equal(peer.requestId, 123);
    assert.match(String(peer.err?.message), new RegExp(code));
  }
  for (const code of Object.keys(MESH_FAILURES) as MeshFailureCode[]) {
    const status = dubboCodec.statusFor(code);
    const http = dubboCodec.httpStatus(decode(dubboCodec.hijack(request, code, 'x')!));
    assert.equal(http >= 400, true, `${code} → ${status} → ${http}`);
    if (MESH_FAILURES[code].status === 504) assert.equal(http, 504, code);
    if (MESH_FAILURES[code].status === 404) assert.equal(http, 404, code);
  }
});

test('bad frames give errors naming the field, before any body is buffered', () => {
  assert.deepEqual(dubboCodec.frameLength(Buffer.from([0x12, 0x34, 0, 0]), LIMIT), { kind: 'error', reason: 'dubbo header: magic 0x1234 is not 0xdabb' });
  assert.deepEqual(dubboCodec.frameLength(Buffer.from([0x12]), LIMIT), { kind: 'error', reason: 'dubbo header: magic 0x12 is not 0xdabb' });
  assert.deepEqual(dubboCodec.frameLength(Buffer.from([0xda, 0xbb, 0xc2]), LIMIT), { kind: 'need-more' });
  const huge = dubboFrameOf(0xc2, 0, 1n, Buffer.alloc(0));
  huge.writeInt32BE(2147483647, 12);
  assert.deepEqual(dubboCodec.frameLength(huge, LIMIT), { kind: 'error', reason: 'dubbo header: body length 2147483647 exceeds the 8 MiB frame limit' });
  huge.writeInt32BE(-1, 12);
  assert.deepEqual(dubboCodec.frameLength(huge, LIMIT), { kind: 'error', reason: 'dubbo header: body length -1 is negative' });

  assert.match(decodeError(dubboFrameOf(0xc6, 0, 1n, Buffer.from('{}'))), /serialization id 6 of a request is not hessian2/);
  const request = dubboRequest();
  const truncated = Buffer.concat([request.subarray(0, 30)]);
  truncated.writeInt32BE(14, 12);
  assert.match(decodeError(truncated), /^dubbo request body: (service path|service version|method name|dubbo version): truncated/);
  assert.match(decodeError(dubboFrameOf(0xc2, 0, 1n, hessianBody('2.0.2', 'S', '', 'm', 'Lbroken'))), /parameter types "Lbroken": class name at 0 has no closing ";"/);
  assert.match(decodeError(dubboFrameOf(0x02, 20, 1n, hessianBody(java.int(9)))), /dubbo response body: response type 9 is not one of 0 to 5/);
  assert.match(decodeError(request.subarray(0, request.length - 1)), /dubbo header: body length \d+, but the frame has \d+ body bytes/);
});

test('detection by the magic', () => {
  assert.equal(dubboCodec.detect(Buffer.from([0xda, 0xbb])), 'match');
  assert.equal(dubboCodec.detect(Buffer.from([0xda])), 'need-more');
  assert.equal(dubboCodec.detect(Buffer.from([0xda, 0x00])), 'no-match');
  assert.equal(dubboCodec.detect(Buffer.from('GET / HTTP/1.1')), 'no-match');
});

test('parameter descriptors: primitives, classes and arrays count one each', () => {
  assert.equal(countParameters(''), 0);
  assert.equal(countParameters('I'), 1);
  assert.equal(countParameters('Ljava/lang/String;I[J[[Lcom/example/User;Z'), 5);
  assert.throws(() => countParameters('Q'), /"Q" at 0 is no JVM type/);
  assert.throws(() => countParameters('I['), /ends after "\["/);
});
