// config.route.v3.HeaderMatcher: string rules, present_match, range_match, invert_match and
// treat_missing_header_as_empty, as Envoy's HeaderUtility::matchHeaders decides them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeaderMatcher } from '../../../src/core/model/matcher.ts';
import { matchHeader, matchHeaders } from '../../../src/core/router/header-matcher.ts';
import { exact, fullRegex, headerMatcher, stringRule } from './fixtures.ts';

const present = (flag: boolean) => ({ kind: 'present', present: flag }) as const;
const range = (start: number, end: number) => ({ kind: 'range', start, end }) as const;

// [case, matcher, header value (undefined: missing), expected]
const cases: [string, HeaderMatcher, string | undefined, boolean][] = [
  ['exact equal', headerMatcher('x', stringRule(exact('v'))), 'v', true],
  ['exact differs', headerMatcher('x', stringRule(exact('v'))), 'w', false],
  ['exact on joined repeated values', headerMatcher('x', stringRule(exact('a,b'))), 'a,b', true],
  ['prefix', headerMatcher('x', stringRule({ kind: 'prefix', value: 'ab', ignoreCase: false })), 'abc', true],
  ['suffix', headerMatcher('x', stringRule({ kind: 'suffix', value: 'bc', ignoreCase: false })), 'abc', true],
  ['contains', headerMatcher('x', stringRule({ kind: 'contains', value: 'zz', ignoreCase: false })), 'abc', false],
  ['regex full match', headerMatcher('x', stringRule({ kind: 'regex', regex: fullRegex('\\d{3}') })), '123', true],
  ['regex needs the whole value', headerMatcher('x', stringRule({ kind: 'regex', regex: fullRegex('\\d{3}') })), '1234', false],
  ['string rule, header missing', headerMatcher('x', stringRule(exact('v'))), undefined, false],

  ['present_match true, present', headerMatcher('x', present(true)), 'anything', true],
  ['present_match true, present and empty', headerMatcher('x', present(true)), '', true],
  ['present_match true, missing', headerMatcher('x', present(true)), undefined, false],
  ['present_match false, missing', headerMatcher('x', present(false)), undefined, true],
  ['present_match false, present', headerMatcher('x', present(false)), 'v', false],

  ['range start is inclusive', headerMatcher('x', range(-10, 0)), '-10', true],
  ['range end is exclusive', headerMatcher('x', range(-10, 0)), '0', false],
  ['range inside', headerMatcher('x', range(-10, 0)), '-1', true],
  ['range below', headerMatcher('x', range(-10, 0)), '-11', false],
  ['range with a plus sign', headerMatcher('x', range(0, 10)), '+5', true],
  ['range with surrounding spaces (absl::SimpleAtoi)', headerMatcher('x', range(0, 10)), ' 5 ', true],
  ['range: not an integer', headerMatcher('x', range(0, 10)), '5.0', false],
  ['range: hex is not an integer', headerMatcher('x', range(0, 100)), '0x10', false],
  ['range: empty is not an integer', headerMatcher('x', range(-1, 1)), '', false],
  // 9007199254740995 as a double rounds up to 2^53 + 4, into the range; as an int64 it is below it.
  ['range: int64 beyond 2^53 compares exactly', headerMatcher('x', range(2 ** 53 + 4, 2 ** 60)), '9007199254740995', false],
  ['range: int64 beyond 2^53 inside', headerMatcher('x', range(2 ** 53 + 4, 2 ** 60)), '9007199254740997', true],
  ['range: beyond int64 is not an integer', headerMatcher('x', range(-(2 ** 62), 2 ** 62)), '99999999999999999999', false],
  ['range, header missing', headerMatcher('x', range(0, 10)), undefined, false],

  // invert_match: examples from the HeaderMatcher docs.
  ['invert: regex \\d{3} does not match 1234, so inverted it matches', headerMatcher('x', stringRule({ kind: 'regex', regex: fullRegex('\\d{3}') }), { invert: true }), '1234', true],
  ['invert: range [-10,0) matches -1, so inverted it does not', headerMatcher('x', range(-10, 0), { invert: true }), '-1', false],
  ['invert: exact, differing value', headerMatcher('x', stringRule(exact('v')), { invert: true }), 'w', true],
  ['invert: a missing header still does not match a value rule', headerMatcher('x', stringRule(exact('v')), { invert: true }), undefined, false],
  ['invert: present_match true, missing', headerMatcher('x', present(true), { invert: true }), undefined, true],
  ['invert: present_match true, present', headerMatcher('x', present(true), { invert: true }), 'v', false],
  ['invert: present_match false, missing', headerMatcher('x', present(false), { invert: true }), undefined, false],

  // treat_missing_header_as_empty: examples from the HeaderMatcher docs.
  ['treat missing as empty: range [0,10) inverted matches a missing header', headerMatcher('x', range(0, 10), { invert: true, treatMissingAsEmpty: true }), undefined, true],
  ['without it: range [0,10) inverted does not match a missing header', headerMatcher('x', range(0, 10), { invert: true }), undefined, false],
  ['treat missing as empty: regex ^$ matches a missing header', headerMatcher('x', stringRule({ kind: 'regex', regex: fullRegex('') }), { treatMissingAsEmpty: true }), undefined, true],
  ['without it: regex ^$ does not match a missing header', headerMatcher('x', stringRule({ kind: 'regex', regex: fullRegex('') })), undefined, false],
  ['treat missing as empty: exact "" matches a missing header', headerMatcher('x', stringRule(exact('')), { treatMissingAsEmpty: true }), undefined, true],
  ['treat missing as empty: present_match true sees an empty header', headerMatcher('x', present(true), { treatMissingAsEmpty: true }), undefined, true],
  ['treat missing as empty: present_match false does not match', headerMatcher('x', present(false), { treatMissingAsEmpty: true }), undefined, false],
];

for (const [name, matcher, value, expected] of cases) {
  test(`header matcher: ${name}`, () => {
    assert.equal(matchHeader(matcher, value), expected);
  });
}

test('header matchers: all must match, looked up by name; none is a match', () => {
  const headers = new Map([
    ['a', '1'],
    ['b', '2'],
  ]);
  const lookup = (name: string) => headers.get(name);
  assert.equal(matchHeaders([], lookup), true);
  assert.equal(matchHeaders([headerMatcher('a', stringRule(exact('1'))), headerMatcher('b', stringRule(exact('2')))], lookup), true);
  assert.equal(matchHeaders([headerMatcher('a', stringRule(exact('1'))), headerMatcher('b', stringRule(exact('3')))], lookup), false);
});
