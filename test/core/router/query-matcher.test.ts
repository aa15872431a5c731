// config.route.v3.QueryParameterMatcher over the query string of :path, and its parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueryParameterMatcher } from '../../../src/core/model/matcher.ts';
import { matchQueryParameter, matchQueryParameters, parseQuery } from '../../../src/core/router/query-matcher.ts';
import { exact, fullRegex, queryMatcher } from './fixtures.ts';

const parses: [string, [string, string][]][] = [
  ['/p', []],
  ['/p?', []],
  ['/p?a=1&b=2', [['a', '1'], ['b', '2']]],
  ['/p?a=1&a=2', [['a', '1']]],
  ['/p?debug', [['debug', '']]],
  ['/p?a=b=c', [['a', 'b=c']]],
  ['/p?a=%20x', [['a', '%20x']]],
  ['/p?a=1#frag', [['a', '1']]],
];

for (const [path, expected] of parses) {
  test(`query parse: ${path} (first value wins, no percent-decoding)`, () => {
    assert.deepEqual([...parseQuery(path)], expected);
  });
}

// [case, matcher, path, expected]
const cases: [string, QueryParameterMatcher, string, boolean][] = [
  ['present, present', queryMatcher('debug', undefined), '/p?debug', true],
  ['present, with a value', queryMatcher('debug', undefined), '/p?debug=1', true],
  ['present, missing', queryMatcher('debug', undefined), '/p?other=1', false],
  ['present_match false, missing', queryMatcher('debug', undefined, false), '/p?other=1', true],
  ['present_match false, present', queryMatcher('debug', undefined, false), '/p?debug=0', false],
  ['string_match exact', queryMatcher('v', exact('2')), '/p?v=2', true],
  ['string_match exact, other value', queryMatcher('v', exact('2')), '/p?v=3', false],
  ['string_match on the first value only', queryMatcher('v', exact('2')), '/p?v=1&v=2', false],
  ['string_match, parameter missing', queryMatcher('v', exact('')), '/p', false],
  ['string_match exact "" on a bare name', queryMatcher('v', exact('')), '/p?v', true],
  ['string_match ignore_case', queryMatcher('v', exact('ABC', true)), '/p?v=aBc', true],
  ['string_match regex', queryMatcher('v', { kind: 'regex', regex: fullRegex('[0-9]+') }), '/p?v=123', true],
  ['names are case-sensitive', queryMatcher('V', undefined), '/p?v=1', false],
];

for (const [name, matcher, path, expected] of cases) {
  test(`query matcher: ${name}`, () => {
    assert.equal(matchQueryParameter(matcher, parseQuery(path)), expected);
  });
}

test('query matchers: all must match', () => {
  const params = parseQuery('/p?a=1&b=2');
  assert.equal(matchQueryParameters([queryMatcher('a', exact('1')), queryMatcher('b', undefined)], params), true);
  assert.equal(matchQueryParameters([queryMatcher('a', exact('1')), queryMatcher('c', undefined)], params), false);
});
