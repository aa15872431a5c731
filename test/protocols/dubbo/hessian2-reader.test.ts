// The Hessian 2.0 reader against hessian.js's encodings: strings and ints read back, any value
// skipped to exactly its end, malformed bytes named.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { Hessian2Reader } from '../../../src/protocols/dubbo/hessian2-reader.ts';
import { FrameFieldError } from '../../../src/protocols/xprotocol/frame-error.ts';
import { hessianBody, java } from './fixtures.ts';

const readerOf = (bytes: Buffer) => new Hessian2Reader(bytes, 0, bytes.length, 'test body');

function mapOf(reader: Hessian2Reader): Map<string, string> {
  const map = new Map<string, string>();
  reader.readStringMap('m', (name, value) => map.set(name, value));
  return map;
}

test('strings read back whatever their length and characters, chunked ones included', () => {
  const samples = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(1023), 'y'.repeat(1024), '中文', '😀 emoji é', 'z'.repeat(70_000), `${'ab'.repeat(16_383)}😀${'c'.repeat(40_000)}`];
  for (const value of samples) {
    const reader = readerOf(hessianBody(value));
    assert.equal(reader.readString('s'), value, `length ${value.length}`);
    assert.ok(reader.atEnd);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (value) => {
      const reader = readerOf(hessianBody(value));
      assert.equal(reader.readString('s'), value);
      assert.ok(reader.atEnd);
    }),
    { numRuns: 500 },
  );
});

test('short ASCII strings, kept in the intern table, never come back as another string of the same length', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 6 }), { minLength: 1, maxLength: 50 }), (values) => {
      const reader = readerOf(hessianBody(...values));
      for (const value of values) assert.equal(reader.readString('s'), value);
    }),
    { numRuns: 300 },
  );
});

test('ints in every width read back', () => {
  for (const value of [0, -16, 47, -2048, 2047, -262144, 262143, 262144, -2147483648, 2147483647]) {
    const reader = readerOf(hessianBody(java.int(value)));
    assert.equal(reader.readInt('i'), value);
    assert.ok(reader.atEnd);
  }
});

test('a map with string keys keeps string, int, long and boolean values and steps over the rest', () => {
  const map = { $class: 'java.util.HashMap', $: { a: 'x', n: java.int(-5), big: java.long(12345678901), yes: true, obj: java('com.example.User', { name: 'u' }), list: [1, 2] } };
  const reader = readerOf(hessianBody(map, 'after'));
  assert.deepEqual(Object.fromEntries(mapOf(reader)), { a: 'x', n: '-5', big: '12345678901', yes: 'true' });
  assert.equal(reader.readString('next'), 'after');
  assert.deepEqual([...mapOf(readerOf(hessianBody(null)))], []);
});

/** Values hessian.js can write, nested: every Hessian 2.0 form it produces. */
const javaValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => java.int(n)),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => java.long(n)),
    fc.double({ noNaN: true }).map((n) => java.double(n)),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }),
    fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => java.List(items)),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }).map((entries) => java.Map(entries)),
    fc.record({ name: fc.string({ maxLength: 8 }), rank: fc.integer({ min: 0, max: 1000 }) }).map((user) => java('com.example.User', { name: user.name, rank: java.int(user.rank) })),
    fc.tuple(tie('value'), tie('value')).map(([left, right]) => java('com.example.Pair', { left, right })),
  ),
})).value;

test('skip steps over any value to exactly where the next begins', () => {
  fc.assert(
    fc.property(fc.array(javaValue, { minLength: 1, maxLength: 4 }), (values) => {
      const bytes = hessianBody(...values, 'END');
      const reader = readerOf(bytes);
      for (let i = 0; i < values.length; i++) reader.skipValue(`value ${i}`);
      assert.equal(reader.readString('marker'), 'END');
      assert.ok(reader.atEnd);
    }),
    { numRuns: 400 },
  );
});

test('shared class definitions and references: a later instance names an earlier definition', () => {
  const user = java('com.example.User', { name: 'same' });
  const bytes = hessianBody(user, user, [user, user], 'END');
  const reader = readerOf(bytes);
  for (let i = 0; i < 3; i++) reader.skipValue(`value ${i}`);
  assert.equal(reader.readString('marker'), 'END');
});

test('large binary and string values are chunked and skipped whole', () => {
  const bytes = hessianBody(Buffer.alloc(200_000, 7), 'q'.repeat(100_000), 'END');
  const reader = readerOf(bytes);
  reader.skipValue('binary');
  reader.skipValue('string');
  assert.equal(reader.readString('marker'), 'END');
});

test('malformed input gives errors naming the field and the offset, and never reads past the end', () => {
  const cases: [Buffer, (reader: Hessian2Reader) => unknown, RegExp][] = [
    [Buffer.from([0x05, 0x61]), (r) => r.readString('service path'), /test body: service path: truncated at offset 2/],
    [Buffer.from([0x91]), (r) => r.readString('method name'), /method name: expected a string, found byte 0x91 at offset 0/],
    [Buffer.from([0x40]), (r) => r.skipValue('argument 1'), /argument 1: byte 0x40 at offset 0 starts no Hessian 2.0 value/],
    [Buffer.from([0x01, 0xff]), (r) => r.readString('s'), /byte 0xff at offset 1 starts no UTF-8 character/],
    [Buffer.from([0x58, 0xd4, 0x10, 0x00]), (r) => r.skipValue('list'), /count 4096 at offset 4 does not fit the 0 bytes left/],
    [Buffer.from([0x60]), (r) => r.skipValue('object'), /object of class definition 0, but only 0 are defined/],
    [Buffer.alloc(300, 0x57), (r) => r.skipValue('nested'), /values nested deeper than 128/],
    [Buffer.from([0x48, 0x01, 0x61]), (r) => r.readStringMap('attachments', () => {}), /attachments: truncated/],
    [Buffer.from([0x91]), (r) => r.readStringMap('attachments', () => {}), /attachments: expected a map/],
  ];
  for (const [bytes, read, message] of cases) {
    assert.throws(() => read(readerOf(bytes)), (error: unknown) => error instanceof FrameFieldError && message.test(error.message), String(message));
  }
});

test('a class definition chain cannot recurse without bound', () => {
  // 'C', name "", 0 fields — repeated with no instance after any of them.
  const chain = Buffer.concat(Array.from({ length: 10_000 }, () => Buffer.from([0x43, 0x00, 0x90])));
  assert.throws(() => readerOf(chain).skipValue('argument 1'), /nested deeper than 128/);
});
