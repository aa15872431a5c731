// Dubbo requests from invoke's encoder: read back by sidelet's codec (the routing metas) and by
// hessian.js field by field, beside what dubbo2.js's encoder makes of the same call.
import assert from 'node:assert/strict';
import test from 'node:test';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { encodeDubboRequest } from '../../../src/protocols/dubbo/dubbo-request-encoder.ts';
import { javaArgs } from '../../../src/protocols/xprotocol/java-args.ts';
import { dubboRequest, java } from '../dubbo/fixtures.ts';
import { dubboBodyFields } from './wire-fields.ts';

test('the header: request, two-way, hessian2, the 64-bit id, the body length', () => {
  const frame = encodeDubboRequest({ service: 'com.example.EchoService', method: 'echo', args: javaArgs(['hi'], 'args') }, -5n);
  assert.equal(frame.readUInt16BE(0), 0xdabb);
  assert.equal(frame[2], 0xc2);
  assert.equal(frame[3], 0);
  assert.equal(frame.readBigInt64BE(4), -5n);
  assert.equal(frame.readInt32BE(12), frame.length - 16);
});

test('the codec reads the call its routing metas, attachments and timeout', () => {
  const args = javaArgs([java.String('a'), 5], 'args');
  const bytes = encodeDubboRequest({ service: 'com.example.EchoService', method: 'slow', version: '2.0.0', group: 'gold', args, attachments: { 'X-Tenant': 'acme' }, timeoutMs: 1500 }, 9n);
  const decoded = dubboCodec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  const { frame } = decoded;
  assert.equal(frame.kind, 'request');
  assert.equal(frame.requestId, 9n);
  assert.equal(frame.timeoutMs, 1500);
  assert.deepEqual(Object.fromEntries(frame.headers), {
    service: 'com.example.EchoService',
    method: 'slow',
    version: '2.0.0',
    group: 'gold',
    path: 'com.example.EchoService',
    interface: 'com.example.EchoService',
    timeout: '1500',
    'x-tenant': 'acme',
    dubbo: '2.0.2',
  });
});

test('the body holds what dubbo2.js writes for the same call, field by field', () => {
  const typed = [java.String('héllo 😀'), java.int(42), java.array('java.lang.String', ['p', 'q']), java.long(9007199254740991), java('com.example.User', { name: 'ann' })];
  const ours = dubboBodyFields(
    encodeDubboRequest({ service: 'com.example.OrderService', method: 'place', version: '2.1.0', group: 'gold', args: javaArgs(typed, 'args'), attachments: { application: 'caller-app', 'X-Tenant': 'acme' }, timeoutMs: 1500 }, 1n),
  );
  const theirs = dubboBodyFields(dubboRequest({ service: 'com.example.OrderService', version: '2.1.0', method: 'place', args: typed, group: 'gold', timeout: 1500, attachments: { 'X-Tenant': 'acme' } }));
  assert.equal(ours.descriptor, 'Ljava/lang/String;I[Ljava/lang/String;JLcom/example/User;');
  // dubbo2.js sends the timeout attachment as an int; attachments here are strings, as Dubbo 2.6 reads them.
  assert.deepEqual(ours, { ...theirs, attachments: { ...theirs.attachments, timeout: '1500' } });
});

test('inferred types, no group and no version: version 0.0.0, no group attachment', () => {
  const fields = dubboBodyFields(encodeDubboRequest({ service: 'com.example.S', method: 'm', args: javaArgs(['s', 1, 2.5, true, [1, 2], { k: 'v' }], 'args') }, 1n));
  assert.equal(fields.descriptor, 'Ljava/lang/String;IDZLjava/util/List;Ljava/util/Map;');
  assert.deepEqual(fields.args, ['s', 1, 2.5, true, [1, 2], { k: 'v' }]);
  assert.equal(fields.version, '0.0.0');
  assert.deepEqual(fields.attachments, { path: 'com.example.S', interface: 'com.example.S', version: '0.0.0' });
});

test('the call names path, interface and version: a caller attachment of those names does not override them', () => {
  const fields = dubboBodyFields(encodeDubboRequest({ service: 'com.example.S', method: 'm', version: '1', args: [], attachments: { path: 'x', interface: 'y', version: 'z', custom: 'c' } }, 1n));
  assert.equal(fields.descriptor, '');
  assert.deepEqual(fields.attachments, { path: 'com.example.S', interface: 'com.example.S', version: '1', custom: 'c' });
});
