// The string table: whatever the bytes, the same text as Buffer#toString, repeats included.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { utf8Text } from '../../../src/protocols/xprotocol/string-table.ts';

test('utf8Text gives the text Buffer#toString gives, for short and long, ASCII and not', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.string({ unit: fc.constantFrom('a', 'b', '.', ':'), maxLength: 70 }).map((s) => Buffer.from(s)),
  );
  fc.assert(
    fc.property(fc.array(bytes, { minLength: 1, maxLength: 40 }), (samples) => {
      for (const sample of [...samples, ...samples]) {
        const buf = Buffer.concat([Buffer.from('xx'), sample, Buffer.from('yy')]);
        assert.equal(utf8Text(buf, 2, 2 + sample.length), buf.toString('utf8', 2, 2 + sample.length));
      }
    }),
    { numRuns: 500 },
  );
});
