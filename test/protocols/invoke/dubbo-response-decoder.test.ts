// Dubbo answers read into call outcomes: every response flag as Dubbo's DubboCodec writes them
// (bodies by hessian.js), Java exceptions with and without the "Exception" suffix, error statuses,
// the codec's own hijacked answers, and bodies that cannot be read.
import assert from 'node:assert/strict';
import test from 'node:test';
import type { MeshFailureCode } from '../../../src/core/errors.ts';
import { type DubboFrame, dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { encodeDubboRequest } from '../../../src/protocols/dubbo/dubbo-request-encoder.ts';
import { decodeDubboResponse } from '../../../src/protocols/dubbo/dubbo-response-decoder.ts';
import type { RpcOutcome } from '../../../src/protocols/xprotocol/rpc-outcome.ts';
import { dubboFrameOf, dubboResponse, hessianBody, java } from '../dubbo/fixtures.ts';

function frameOf(bytes: Buffer): DubboFrame {
  const decoded = dubboCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

const outcomeOf = (bytes: Buffer): RpcOutcome => decodeDubboResponse(frameOf(bytes));

/** A Java Throwable as hessian-lite writes one: class definition with its fields. */
function throwable(className: string, message: string): unknown {
  return { $class: className, $: { detailMessage: java.String(message), stackTrace: java.array('java.lang.StackTraceElement', []), cause: null } };
}

test('a value, with and without response attachments', () => {
  assert.deepEqual(outcomeOf(dubboResponse(1n, 1, java.String('v'))), { kind: 'value', value: 'v', attachments: {} });
  assert.deepEqual(outcomeOf(dubboResponse(1n, 4, { $class: 'java.util.HashMap', $: { n: java.int(3) } }, { dubbo: '2.0.2' })), { kind: 'value', value: { n: 3 }, attachments: { dubbo: '2.0.2' } });
});

test('null, with and without response attachments', () => {
  assert.deepEqual(outcomeOf(dubboResponse(1n, 2)), { kind: 'value', value: null, attachments: {} });
  assert.deepEqual(outcomeOf(dubboResponse(1n, 5, undefined, { dubbo: '2.0.2' })), { kind: 'value', value: null, attachments: { dubbo: '2.0.2' } });
});

test('a Java exception: its class and message, whether or not the class name ends in "Exception"', () => {
  const named = outcomeOf(dubboResponse(1n, 0, throwable('com.example.EchoException', 'boom')));
  assert.equal(named.kind, 'exception');
  assert.deepEqual(named.kind === 'exception' && [named.className, named.message], ['com.example.EchoException', 'boom']);
  assert.ok(named.kind === 'exception' && named.exception instanceof Error);
  const other = outcomeOf(dubboResponse(1n, 3, throwable('com.example.QuotaError', 'over quota'), { dubbo: '2.0.2' }));
  assert.deepEqual(other.kind === 'exception' && [other.className, other.message], ['com.example.QuotaError', 'over quota']);
});

test('an exception sent as a bare string (what Node providers send) has no class', () => {
  const outcome = outcomeOf(dubboResponse(1n, 3, java.String('p1: fail() called'), { dubbo: '2.0.2' }));
  assert.deepEqual(outcome, { kind: 'exception', className: '', message: 'p1: fail() called', exception: 'p1: fail() called' });
});

test("an error status is the server's error, with its message", () => {
  const outcome = outcomeOf(dubboFrameOf(0x02, 60, 1n, hessianBody('Service not found')));
  assert.deepEqual(outcome, { kind: 'server-error', status: 60, statusName: 'SERVICE_NOT_FOUND', message: 'Service not found' });
  const unknown = outcomeOf(dubboFrameOf(0x02, 77, 1n, hessianBody('?')));
  assert.deepEqual(unknown.kind === 'server-error' && [unknown.status, unknown.statusName], [77, 'UNKNOWN']);
});

test("the codec's hijacked answers are the mesh failures they were made for, code and detail", () => {
  const request = frameOf(encodeDubboRequest({ service: 'com.example.S', method: 'm', args: [] }, 3n));
  const codes: MeshFailureCode[] = ['SIDELET_NO_ROUTE', 'SIDELET_BREAKER_OPEN', 'SIDELET_TIMEOUT', 'SIDELET_FAULT_ABORT', 'SIDELET_RUNTIME_FAILURE'];
  for (const code of codes) {
    const answer = dubboCodec.hijack(request, code, 'why: it happened')!;
    assert.deepEqual(outcomeOf(answer), { kind: 'mesh-failure', code, detail: 'why: it happened' }, code);
  }
  const lookalike = outcomeOf(dubboFrameOf(0x02, 80, 1n, hessianBody('SIDELET_NOT_A_CODE: x')));
  assert.equal(lookalike.kind, 'server-error');
});

test('an unreadable body or another serialization is a server error naming the field', () => {
  // Bodies the codec already refuses; the decoder reads frames from elsewhere too.
  const ok = frameOf(dubboResponse(1n, 1, java.String('value')));
  const withBody = (body: Buffer): DubboFrame => ({ ...ok, bytes: dubboFrameOf(0x02, 20, 1n, body) });
  assert.deepEqual(decodeDubboResponse(withBody(hessianBody(java.int(9)))), { kind: 'server-error', status: 20, statusName: 'OK', message: 'dubbo response body: response flag 9 is not one of 0 to 5' });
  const truncated = decodeDubboResponse(withBody(Buffer.from([0x91, 0x05, 0x76])));
  assert.ok(truncated.kind === 'server-error' && truncated.message.startsWith('dubbo response body: '), JSON.stringify(truncated));
  const kryo = outcomeOf(dubboFrameOf(0x08, 20, 1n, Buffer.from([1, 2, 3])));
  assert.deepEqual(kryo, { kind: 'server-error', status: 20, statusName: 'OK', message: 'dubbo response: serialization id 8 is not hessian2 (2)' });
});
