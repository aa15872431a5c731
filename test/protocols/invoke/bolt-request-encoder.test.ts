// SOFA Bolt requests from invoke's encoder, in v1, v2 and v2 with CRC32: read back by sidelet's
// codec (routing metas) and by sofa-bolt-node's own decoder, beside sofa-bolt-node's encoding of
// the same call.
import assert from 'node:assert/strict';
import test from 'node:test';
import { type BoltFrame, boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { type BoltWireVersion, encodeBoltRequest, SOFA_REQUEST_CLASS, sofaServiceName } from '../../../src/protocols/bolt/bolt-request-encoder.ts';
import { javaArgs } from '../../../src/protocols/xprotocol/java-args.ts';
import { type BoltOptions, boltRequest, V1, V2, V2_CRC } from '../bolt/fixtures.ts';
import { java } from '../dubbo/fixtures.ts';
import { boltRequestFields } from './wire-fields.ts';

const WIRES: readonly [BoltWireVersion, BoltOptions][] = [
  ['v1', V1],
  ['v2', V2],
  ['v2-crc', V2_CRC],
];
const SERVICE = 'com.example.EchoService:1.0';

function frameOf(bytes: Buffer): BoltFrame {
  const decoded = boltCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

/** The content: all after the fixed header, class name and header map (and before a CRC). */
function contentOf(bytes: Buffer): Buffer {
  const v1 = bytes[0] === 1;
  const [classAt, headerAt, contentAt, fixed] = v1 ? [14, 16, 18, 22] : [16, 18, 20, 24];
  const start = fixed + bytes.readInt16BE(classAt) + bytes.readInt16BE(headerAt);
  return bytes.subarray(start, start + bytes.readInt32BE(contentAt));
}

for (const [wire, options] of WIRES) {
  test(`${wire}: the codec reads the routing metas, the timeout and the class; sofa-bolt-node reads the SofaRequest`, () => {
    const args = javaArgs([java.String('hi'), 250], 'args');
    const bytes = encodeBoltRequest({ service: SERVICE, method: 'slow', args, targetApp: 'echo-app', requestProps: { 'rpc_trace_context.sofaTraceId': 't1' }, timeoutMs: 1500, wire }, 42);
    const frame = frameOf(bytes);
    assert.equal(frame.kind, 'request');
    assert.equal(frame.requestId, 42);
    assert.equal(frame.timeoutMs, 1500);
    assert.equal(frame.className, SOFA_REQUEST_CLASS);
    assert.deepEqual(Object.fromEntries(frame.headers), {
      service: SERVICE,
      sofa_head_target_service: SERVICE,
      sofa_head_method_name: 'slow',
      sofa_head_target_app: 'echo-app',
      'rpc_trace_context.sofatraceid': 't1',
      method: 'slow',
      class: SOFA_REQUEST_CLASS,
    });
    const fields = boltRequestFields(bytes);
    assert.equal(fields.packetId, 42);
    assert.equal(fields.className, SOFA_REQUEST_CLASS);
    assert.deepEqual(fields.data, {
      targetAppName: 'echo-app',
      methodName: 'slow',
      serverSignature: SERVICE,
      args: ['hi', 250],
      methodArgSigs: ['java.lang.String', 'int'],
      requestProps: { 'rpc_trace_context.sofaTraceId': 't1' },
    });
    assert.equal(fields.options.protocolType, options.protocolType);
    assert.equal(fields.options.timeout, 1500);
    assert.equal(fields.options.crcEnable === true, wire === 'v2-crc');
  });

  test(`${wire}: the content is what sofa-bolt-node writes for the same call, byte for byte`, () => {
    const args = [java.String('hello'), java.int(5)];
    const ours = encodeBoltRequest({ service: SERVICE, method: 'echo', args: javaArgs(args, 'args'), timeoutMs: 3000, wire }, 7);
    const theirs = boltRequest(7, { serverSignature: SERVICE, methodName: 'echo', args, timeout: 3000 }, options);
    assert.deepEqual(contentOf(ours), contentOf(theirs));
    const [a, b] = [boltRequestFields(ours), boltRequestFields(theirs)];
    assert.deepEqual([a.packetId, a.className, a.data, a.options], [b.packetId, b.className, b.data, b.options]);
  });
}

test('array types go out as SOFA names them (ClassTypeUtils: `java.lang.String[]`)', () => {
  const bytes = encodeBoltRequest({ service: SERVICE, method: 'm', args: javaArgs([java.array('java.lang.String', ['a']), Buffer.from([1])], 'args') }, 1);
  assert.deepEqual(boltRequestFields(bytes).data.methodArgSigs, ['java.lang.String[]', 'byte[]']);
  assert.equal(frameOf(bytes).timeoutMs, undefined);
});

test("SOFA's unique service name; a header map past its 16-bit length is refused, naming the field", () => {
  assert.equal(sofaServiceName('com.example.S'), 'com.example.S:1.0');
  assert.equal(sofaServiceName('com.example.S', '2.0', 'blue'), 'com.example.S:2.0:blue');
  assert.throws(() => encodeBoltRequest({ service: SERVICE, method: 'm', args: [], requestProps: { big: 'x'.repeat(40_000) } }, 1), /^Error: bolt request: the header map is \d+ bytes, more than the 32767 its length field holds$/);
});
