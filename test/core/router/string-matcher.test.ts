// type.matcher.v3.StringMatcher: exact, prefix, suffix, contains with and without ignore_case; regex as a full match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StringMatcher } from '../../../src/core/model/matcher.ts';
import { matchString } from '../../../src/core/router/string-matcher.ts';
import { fullRegex } from './fixtures.ts';

const cases: [string, StringMatcher, string, boolean][] = [
  ['exact equal', { kind: 'exact', value: 'abc', ignoreCase: false }, 'abc', true],
  ['exact differs in case', { kind: 'exact', value: 'abc', ignoreCase: false }, 'ABC', false],
  ['exact ignore_case', { kind: 'exact', value: 'abc', ignoreCase: true }, 'aBc', true],
  ['exact is not a prefix', { kind: 'exact', value: 'abc', ignoreCase: false }, 'abcd', false],
  ['exact empty matches only empty', { kind: 'exact', value: '', ignoreCase: false }, 'x', false],
  ['prefix', { kind: 'prefix', value: 'ab', ignoreCase: false }, 'abc', true],
  ['prefix case-sensitive', { kind: 'prefix', value: 'ab', ignoreCase: false }, 'ABc', false],
  ['prefix ignore_case', { kind: 'prefix', value: 'ab', ignoreCase: true }, 'ABc', true],
  ['prefix longer than value', { kind: 'prefix', value: 'abcd', ignoreCase: false }, 'abc', false],
  ['suffix', { kind: 'suffix', value: 'bc', ignoreCase: false }, 'abc', true],
  ['suffix case-sensitive', { kind: 'suffix', value: 'bc', ignoreCase: false }, 'aBC', false],
  ['suffix ignore_case', { kind: 'suffix', value: 'bc', ignoreCase: true }, 'aBC', true],
  ['contains', { kind: 'contains', value: 'b', ignoreCase: false }, 'abc', true],
  ['contains absent', { kind: 'contains', value: 'x', ignoreCase: false }, 'abc', false],
  ['contains ignore_case', { kind: 'contains', value: 'bc', ignoreCase: true }, 'ABCD', true],
  ['regex full match', { kind: 'regex', regex: fullRegex('a+b') }, 'aaab', true],
  ['regex partial match is no match', { kind: 'regex', regex: fullRegex('a+b') }, 'xaaab', false],
  ['regex alternation is anchored as a whole', { kind: 'regex', regex: fullRegex('a|ab') }, 'ab', true],
  ['regex is case-sensitive', { kind: 'regex', regex: fullRegex('abc') }, 'ABC', false],
];

for (const [name, matcher, value, expected] of cases) {
  test(`string matcher: ${name}`, () => {
    assert.equal(matchString(matcher, value), expected);
  });
}
