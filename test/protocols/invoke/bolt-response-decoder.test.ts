// SOFA Bolt answers read into call outcomes: SofaResponses sofa-bolt-node's encoder writes (a
// value, null, props, a business exception, a server error), the isError form Java SOFA servers
// answer with, the codec's own content-less hijacked answers, and contents that cannot be read.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';
import { MESH_FAILURES, type MeshFailureCode } from '../../../src/core/errors.ts';
import { type BoltFrame, boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { encodeBoltRequest } from '../../../src/protocols/bolt/bolt-request-encoder.ts';
import { decodeBoltResponse, SOFA_RESPONSE_CLASS } from '../../../src/protocols/bolt/bolt-response-decoder.ts';
import { boltStatusFor } from '../../../src/protocols/bolt/bolt-status.ts';
import type { RpcOutcome } from '../../../src/protocols/xprotocol/rpc-outcome.ts';
import { type BoltResponse, boltResponse, V1, V2_CRC } from '../bolt/fixtures.ts';
import { java } from '../dubbo/fixtures.ts';

const draft = createRequire(import.meta.url)('hessian.js-1') as { encode(value: unknown, version: '2.0'): Buffer };

function frameOf(bytes: Buffer): BoltFrame {
  const decoded = boltCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

const answer = (res: BoltResponse, options = V1): RpcOutcome => decodeBoltResponse(frameOf(boltResponse(5, res, options)));

/** A v1 response with `status`, the SofaResponse class and `content` (as a Java SOFA server writes). */
function v1Response(status: number, content: Buffer, codec = 1): Buffer {
  const className = Buffer.from(SOFA_RESPONSE_CLASS);
  const head = Buffer.alloc(20);
  head.set([1, 0, 0, 2, 1], 0);
  head.writeUInt32BE(5, 5);
  head[9] = codec;
  head.writeUInt16BE(status, 10);
  head.writeInt16BE(className.length, 12);
  head.writeInt32BE(content.length, 16);
  return Buffer.concat([head, className, content]);
}

function throwable(className: string, message: string): unknown {
  return { $class: className, $: { detailMessage: java.String(message), stackTrace: java.array('java.lang.StackTraceElement', []), cause: null } };
}

test('a value, null, and the response props', () => {
  assert.deepEqual(answer({ appResponse: java.String('v') }), { kind: 'value', value: 'v', attachments: {} });
  assert.deepEqual(answer({ appResponse: null }, V2_CRC), { kind: 'value', value: null, attachments: {} });
  const withProps = draft.encode({ $class: SOFA_RESPONSE_CLASS, $: { isError: false, errorMsg: null, appResponse: java.int(3), responseProps: { $class: 'java.util.HashMap', $: { zone: 'gz' } } } }, '2.0');
  assert.deepEqual(decodeBoltResponse(frameOf(v1Response(0, withProps))), { kind: 'value', value: 3, attachments: { zone: 'gz' } });
});

test('a business exception: its class and message, whether or not the class name ends in "Exception"', () => {
  const error = new Error('boom');
  error.stack = 'Error: boom';
  const named = answer({ appResponse: java.exception(error, 'com.example.EchoException') });
  assert.deepEqual(named.kind === 'exception' && [named.className, named.message], ['com.example.EchoException', 'Error: boom']);
  const other = draft.encode({ $class: SOFA_RESPONSE_CLASS, $: { isError: false, errorMsg: null, appResponse: throwable('com.example.QuotaError', 'over quota'), responseProps: null } }, '2.0');
  const outcome = decodeBoltResponse(frameOf(v1Response(0, other)));
  assert.deepEqual(outcome.kind === 'exception' && [outcome.className, outcome.message], ['com.example.QuotaError', 'over quota']);
});

test("server errors: an error status with the server's RpcServerException, and SUCCESS with isError", () => {
  assert.deepEqual(answer({ isError: true, errorMsg: 'no service' }), { kind: 'server-error', status: 2, statusName: 'SERVER_EXCEPTION', message: 'Error: no service' });
  const isError = draft.encode({ $class: SOFA_RESPONSE_CLASS, $: { isError: true, errorMsg: 'provider not found', appResponse: null, responseProps: null } }, '2.0');
  assert.deepEqual(decodeBoltResponse(frameOf(v1Response(0, isError))), { kind: 'server-error', status: 0, statusName: 'SUCCESS', message: 'provider not found' });
});

test("the codec's hijacked answers are mesh failures: the first code that answers with their status", () => {
  const request = frameOf(encodeBoltRequest({ service: 'com.example.S:1.0', method: 'm', args: [], wire: 'v2-crc' }, 9));
  const codes = Object.keys(MESH_FAILURES) as MeshFailureCode[];
  for (const code of codes) {
    const outcome = decodeBoltResponse(frameOf(boltCodec.hijack(request, code, 'detail')!));
    if (outcome.kind !== 'mesh-failure') assert.fail(`${code}: ${JSON.stringify(outcome)}`);
    assert.equal(boltStatusFor(outcome.code), boltStatusFor(code), code);
    assert.equal(outcome.code, codes.find((first) => boltStatusFor(first) === boltStatusFor(code)), code);
  }
  const timeout = decodeBoltResponse(frameOf(boltCodec.hijack(request, 'SIDELET_TIMEOUT', 'x')!));
  assert.deepEqual(timeout, { kind: 'mesh-failure', code: 'SIDELET_TIMEOUT', detail: 'bolt status 0x07 (TIMEOUT) from the mesh' });
});

test('an unreadable content, or one in another codec, is a server error naming the field', () => {
  const garbage = decodeBoltResponse(frameOf(v1Response(0, Buffer.from([0x4f, 0xff]))));
  assert.ok(garbage.kind === 'server-error' && garbage.message.startsWith('bolt response content: '), JSON.stringify(garbage));
  const notAResponse = decodeBoltResponse(frameOf(v1Response(0, draft.encode(42, '2.0'))));
  assert.deepEqual(notAResponse, { kind: 'server-error', status: 0, statusName: 'SUCCESS', message: `bolt response content: expected a ${SOFA_RESPONSE_CLASS}, found number` });
  const protobuf = decodeBoltResponse(frameOf(v1Response(0, Buffer.from([8, 1]), 11)));
  assert.deepEqual(protobuf, { kind: 'server-error', status: 0, statusName: 'SUCCESS', message: 'bolt response: content codec 11 is not hessian2 (1)' });
});
