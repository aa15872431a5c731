// RouteMatch path specifiers: prefix, path, safe_regex, path_separated_prefix, and case_sensitive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathMatch } from '../../../src/core/model/route.ts';
import { compilePathMatch, matchPath } from '../../../src/core/router/path-matcher.ts';
import { RequestView } from '../../../src/core/router/request-view.ts';
import { exactPath, prefix, regexPath, request, separatedPrefix } from './fixtures.ts';

// [case, path match, case_sensitive, request :path, expected]
const cases: [string, PathMatch, boolean, string, boolean][] = [
  ['prefix', prefix('/api'), true, '/api/v1', true],
  ['prefix is not segment-aware', prefix('/api'), true, '/apiary', true],
  ['prefix "/" matches everything', prefix('/'), true, '/x?y=1', true],
  ['prefix miss', prefix('/api'), true, '/ap', false],
  ['prefix is case-sensitive by default', prefix('/api'), true, '/API/v1', false],
  ['prefix, case_sensitive false', prefix('/api'), false, '/API/v1', true],
  ['prefix, case_sensitive false, upper-case prefix', prefix('/API'), false, '/api/v1', true],
  ['prefix tests the whole :path, query included', prefix('/p?a=1'), true, '/p?a=1&b=2', true],

  ['path exact', exactPath('/health'), true, '/health', true],
  ['path ignores the query string', exactPath('/health'), true, '/health?verbose=1', true],
  ['path ignores a fragment', exactPath('/health'), true, '/health#top', true],
  ['path is exact, not a prefix', exactPath('/health'), true, '/health/x', false],
  ['path trailing slash differs', exactPath('/health'), true, '/health/', false],
  ['path is case-sensitive by default', exactPath('/health'), true, '/Health', false],
  ['path, case_sensitive false', exactPath('/health'), false, '/HEALTH?x=Y', true],

  ['safe_regex full match', regexPath('/users/[0-9]+'), true, '/users/42', true],
  ['safe_regex must span the path', regexPath('/users/[0-9]+'), true, '/users/42/edit', false],
  ['safe_regex on the path without the query', regexPath('/users/[0-9]+'), true, '/users/42?x=1', true],
  ['safe_regex ignores case_sensitive false', regexPath('/users'), false, '/USERS', false],

  ['path_separated_prefix equal', separatedPrefix('/api'), true, '/api', true],
  ['path_separated_prefix followed by /', separatedPrefix('/api'), true, '/api/v1', true],
  ['path_separated_prefix followed by other text', separatedPrefix('/api'), true, '/apiary', false],
  ['path_separated_prefix followed by a query', separatedPrefix('/api'), true, '/api?x=1', true],
  ['path_separated_prefix followed by a fragment', separatedPrefix('/api'), true, '/api#f', true],
  ['path_separated_prefix, query does not count as the prefix', separatedPrefix('/api'), true, '/ap?i', false],
  ['path_separated_prefix is case-sensitive by default', separatedPrefix('/api'), true, '/API/v1', false],
  ['path_separated_prefix, case_sensitive false', separatedPrefix('/api'), false, '/API/v1', true],
];

for (const [name, match, caseSensitive, path, expected] of cases) {
  test(`path matcher: ${name}`, () => {
    assert.equal(matchPath(compilePathMatch(match, caseSensitive), new RequestView(request({ path }))), expected);
  });
}
