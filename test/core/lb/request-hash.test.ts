// Request hashing from hash policies: each source, Envoy's combination and terminal policies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xxHash64 } from '../../../src/core/lb/hash64.ts';
import { combineHash, computeRequestHash, cookieValue, type HashInput, queryParameter } from '../../../src/core/lb/request-hash.ts';
import type { HashPolicy } from '../../../src/core/model/route.ts';

const input: HashInput = {
  headers: { 'x-user': 'alice', 'x-tenant': 't1', cookie: 'a=1; session="abc"; b=2' },
  path: '/items?id=42&flag&empty=&id=43',
  sourceIp: '10.0.0.7',
};
const header = (name: string, terminal = false): HashPolicy => ({ kind: 'header', name, terminal });
const rotl = (h: bigint) => BigInt.asUintN(64, (h << 1n) | (h >> 63n));

test('xxHash64 is the reference XXH64 (empty input, seed 0)', () => {
  assert.equal(xxHash64(''), 0xef46db3751d8e999n);
});

const single: { name: string; policy: HashPolicy; value: string | undefined }[] = [
  { name: 'header', policy: header('x-user'), value: 'alice' },
  { name: 'header name in any case', policy: header('X-User'), value: 'alice' },
  { name: 'missing header', policy: header('x-none'), value: undefined },
  { name: 'cookie, quotes removed', policy: { kind: 'cookie', name: 'session', terminal: false }, value: 'abc' },
  { name: 'missing cookie', policy: { kind: 'cookie', name: 'nope', terminal: false }, value: undefined },
  { name: 'source ip', policy: { kind: 'source_ip', terminal: false }, value: '10.0.0.7' },
  { name: 'query parameter, first value', policy: { kind: 'query_parameter', name: 'id', terminal: false }, value: '42' },
  { name: 'bare query parameter', policy: { kind: 'query_parameter', name: 'flag', terminal: false }, value: '' },
  { name: 'missing query parameter', policy: { kind: 'query_parameter', name: 'nope', terminal: false }, value: undefined },
];
for (const { name, policy, value } of single) {
  test(`one policy: ${name}`, () => {
    assert.equal(computeRequestHash([policy], input), value === undefined ? undefined : xxHash64(value));
  });
}

test('no source address: no hash', () => {
  assert.equal(computeRequestHash([{ kind: 'source_ip', terminal: false }], { ...input, sourceIp: undefined }), undefined);
});

test('several policies combine as rotl(hash, 1) XOR next, skipping those without a value', () => {
  const a = xxHash64('alice');
  const t = xxHash64('t1');
  assert.equal(computeRequestHash([header('x-user'), header('x-none'), header('x-tenant')], input), rotl(a) ^ t);
  assert.equal(computeRequestHash([header('x-none'), header('x-tenant')], input), t);
});

test('the same policy twice does not cancel out', () => {
  const h = computeRequestHash([header('x-user'), header('x-user')], input);
  assert.equal(h, rotl(xxHash64('alice')) ^ xxHash64('alice'));
  assert.notEqual(h, 0n);
});

test('a terminal policy stops the list once a hash exists', () => {
  const a = xxHash64('alice');
  const t = xxHash64('t1');
  assert.equal(computeRequestHash([header('x-user', true), header('x-tenant')], input), a);
  assert.equal(computeRequestHash([header('x-none', true), header('x-tenant')], input), t);
  assert.equal(computeRequestHash([header('x-tenant'), header('x-none', true), header('x-user')], input), t);
  assert.equal(computeRequestHash([header('x-tenant'), header('x-user', true), header('x-user')], input), rotl(t) ^ a);
});

test('combination stays within 64 bits', () => {
  assert.equal(combineHash(2n ** 64n - 1n, 0n), 2n ** 64n - 1n);
  assert.equal(combineHash(2n ** 63n, 1n), 0n);
  assert.equal(combineHash(undefined, 5n), 5n);
});

test('cookie and query parsing', () => {
  assert.equal(cookieValue('x=1;y=2', 'y'), '2');
  assert.equal(cookieValue('xy=1', 'y'), undefined);
  assert.equal(cookieValue(undefined, 'y'), undefined);
  assert.equal(queryParameter('/p?a=1#b=2', 'b'), undefined);
  assert.equal(queryParameter('/p', 'a'), undefined);
  assert.equal(queryParameter('/p?a=x%20y', 'a'), 'x%20y');
});
