// The protocol registry: dotted names, duplicates refused, detection by the first bytes.
import assert from 'node:assert/strict';
import test from 'node:test';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import { ProtocolRegistry } from '../../../src/protocols/xprotocol/registry.ts';
import { boltRequest, ECHO_REQUEST, V1, V2 } from '../bolt/fixtures.ts';
import { dubboRequest } from '../dubbo/fixtures.ts';

test('the built-in registry holds dubbo and bolt under their dotted names', () => {
  const registry = builtinProtocols();
  assert.deepEqual(registry.names(), ['sidelet.protocol.dubbo', 'sidelet.protocol.bolt']);
  assert.equal(registry.get('sidelet.protocol.dubbo'), dubboCodec);
  assert.equal(registry.get('sidelet.protocol.bolt'), boltCodec);
  assert.equal(registry.get('sidelet.protocol.thrift'), undefined);
});

test('a duplicate or malformed name throws', () => {
  const registry = builtinProtocols();
  assert.throws(() => registry.register(dubboCodec), /x-protocol "sidelet.protocol.dubbo" is already registered/);
  assert.throws(() => new ProtocolRegistry().register({ ...dubboCodec, name: 'Dubbo' }), /x-protocol name "Dubbo" is not a dotted lower-case name/);
});

test('detection picks the codec by the first bytes, waits for enough of them, or names the bytes it cannot place', () => {
  const registry = builtinProtocols();
  const pick = (head: Buffer) => {
    const detection = registry.detect(head);
    return detection.kind === 'match' ? detection.codec.name : detection.kind;
  };
  assert.equal(pick(dubboRequest()), 'sidelet.protocol.dubbo');
  assert.equal(pick(boltRequest(1, ECHO_REQUEST, V1)), 'sidelet.protocol.bolt');
  assert.equal(pick(boltRequest(1, ECHO_REQUEST, V2)), 'sidelet.protocol.bolt');
  assert.equal(pick(Buffer.from([0xda])), 'need-more');
  assert.equal(pick(Buffer.from([0x02, 0x01, 0x01])), 'need-more');
  assert.equal(pick(Buffer.alloc(0)), 'need-more');
  assert.deepEqual(registry.detect(Buffer.from('GET / HTTP/1.1\r\n')), {
    kind: 'unknown',
    reason: 'unknown protocol: first bytes 0x47 0x45 0x54 0x20 0x2f match none of sidelet.protocol.dubbo, sidelet.protocol.bolt',
  });
});
