// The shared hessian encoders: every message stands alone (class definitions written again, no
// references into an earlier one), a write that throws half-way leaves nothing behind, and the
// two grammars differ where SOFA's draft does (class definitions 'O' against 'C').
import assert from 'node:assert/strict';
import test from 'node:test';
import { encodeValues, hessian2, hessian2Draft } from '../../../src/protocols/xprotocol/hessian-libraries.ts';

const user = { $class: 'com.example.User', $: { name: 'ann', age: 3 } };

for (const [name, library] of [
  ['hessian.js (Hessian 2.0)', hessian2],
  ['hessian.js-1 (the 2.0 draft)', hessian2Draft],
] as const) {
  test(`${name}: each message stands alone and reads back`, () => {
    const first = encodeValues(library(), (out) => out.write(user).write('tail'));
    const second = encodeValues(library(), (out) => out.write(user).write('tail'));
    assert.deepEqual(second, first);
    const decoder = new (library().DecoderV2)(second);
    assert.deepEqual([decoder.read(), decoder.read()], [{ name: 'ann', age: 3 }, 'tail']);
  });

  test(`${name}: a write that throws half-way leaves nothing in the next message`, () => {
    const clean = encodeValues(library(), (out) => out.write('only'));
    assert.throws(() =>
      encodeValues(library(), (out) => {
        out.write(user).write('x'.repeat(100_000));
        throw new Error('half-way');
      }),
    );
    assert.deepEqual(
      encodeValues(library(), (out) => out.write('only')),
      clean,
    );
  });
}

test('the grammars differ where SOFA speaks the draft: class definitions', () => {
  assert.equal(encodeValues(hessian2(), (out) => out.write(user))[0], 0x43);
  assert.equal(encodeValues(hessian2Draft(), (out) => out.write(user))[0], 0x4f);
});
