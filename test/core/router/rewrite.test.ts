// Path rewrites (prefix_rewrite per path specifier, regex_rewrite with RE2 groups) and host rewrites.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/core/errors.ts';
import type { PathMatch, RouteAction } from '../../../src/core/model/route.ts';
import { compileHostRewrite, compilePathRewrite, compileSubstitution } from '../../../src/core/router/rewrite.ts';
import { exactPath, prefix, regexPath, separatedPrefix, toCluster } from './fixtures.ts';

const regexRewrite = (pattern: string, substitution: string): Partial<RouteAction> => ({
  regexRewrite: { regex: new RegExp(pattern, 'g'), substitution },
});

// [case, path match, action fields, request :path, rewritten :path]
const cases: [string, PathMatch, Partial<RouteAction>, string, string][] = [
  ['prefix_rewrite swaps the matched prefix', prefix('/api/'), { prefixRewrite: '/v2/' }, '/api/users?id=1', '/v2/users?id=1'],
  ['prefix_rewrite to "/"', prefix('/prefix/'), { prefixRewrite: '/' }, '/prefix/doc', '/doc'],
  ['prefix_rewrite with a case-insensitive match keeps the rest', prefix('/api'), { prefixRewrite: '/svc' }, '/API/Users', '/svc/Users'],
  ['prefix_rewrite on an exact path keeps the query', exactPath('/old'), { prefixRewrite: '/new' }, '/old?x=1', '/new?x=1'],
  ['prefix_rewrite on path_separated_prefix', separatedPrefix('/api'), { prefixRewrite: '/backend' }, '/api/v1?q', '/backend/v1?q'],
  ['prefix_rewrite on path_separated_prefix equal to the prefix', separatedPrefix('/api'), { prefixRewrite: '/backend' }, '/api', '/backend'],
  ['prefix_rewrite on safe_regex swaps the whole path', regexPath('/u/[0-9]+'), { prefixRewrite: '/user' }, '/u/42?x=1', '/user?x=1'],
  ['an empty prefix_rewrite is no rewrite', prefix('/api'), { prefixRewrite: '' }, '/api/x', '/api/x'],
  ['no rewrite configured', prefix('/api'), {}, '/api/x', '/api/x'],
  ['regex_rewrite with groups (Envoy docs example)', prefix('/'), regexRewrite('^/service/([^/]+)(/.*)$', '\\2/instance/\\1'), '/service/foo/v1/api', '/v1/api/instance/foo'],
  ['regex_rewrite replaces every match', prefix('/'), regexRewrite('/+', '/'), '//a///b/?q=//', '/a/b/?q=//'],
  ['regex_rewrite keeps the query string untouched', prefix('/'), regexRewrite('a', 'b'), '/aaa?a=a', '/bbb?a=a'],
  ['regex_rewrite: \\0 is the whole match', prefix('/'), regexRewrite('[0-9]+', '<\\0>'), '/a/12/b', '/a/<12>/b'],
  ['regex_rewrite: "$" is literal', prefix('/'), regexRewrite('x', '$1$&'), '/x', '/$1$&'],
  ['regex_rewrite: \\1 followed by a digit is group 1', prefix('/'), regexRewrite('/(a)', '/\\10'), '/a', '/a0'],
  ['regex_rewrite: an unmatched group is empty', prefix('/'), regexRewrite('/(a)?b', '/[\\1]'), '/b', '/[]'],
  ['regex_rewrite: "\\\\" is a backslash', prefix('/'), regexRewrite('/x', '/\\\\'), '/x', '/\\'],
];

for (const [name, match, fields, path, expected] of cases) {
  test(`path rewrite: ${name}`, () => {
    const rewrite = compilePathRewrite(match, toCluster('c', fields), []);
    assert.equal(rewrite === undefined ? path : rewrite(path), expected);
  });
}

test('path rewrite: nothing configured compiles to no rewriter', () => {
  assert.equal(compilePathRewrite(prefix('/'), toCluster('c'), []), undefined);
});

test('path rewrite: a regex without the global flag still replaces every match', () => {
  const rewrite = compilePathRewrite(prefix('/'), toCluster('c', { regexRewrite: { regex: /o/, substitution: '0' } }), [])!;
  assert.equal(rewrite('/foo/boo'), '/f00/b00');
});

const badSubstitutions: [string, string, RegExp][] = [
  ['a group the regex lacks', '\\2', /refers to group \\2 but the regex has 1 group/],
  ['a backslash before a letter', '\\n', /must be followed by a digit/],
  ['a trailing backslash', 'x\\', /must be followed by a digit/],
];

for (const [name, substitution, message] of badSubstitutions) {
  test(`regex_rewrite substitution refused: ${name}`, () => {
    const where = ['virtual_hosts', 0, 'routes', 1, 'route', 'regex_rewrite', 'substitution'];
    assert.throws(
      () => compileSubstitution(substitution, 1, where),
      (error: unknown) => error instanceof ConfigError && message.test(error.message) && error.path === where,
    );
  });
}

const headers = new Map([
  ['x-host', 'upstream.internal'],
  ['x-many', 'first.internal,second.internal'],
  ['x-empty', ''],
]);
const lookup = (name: string) => headers.get(name);

const hostCases: [string, Partial<RouteAction>, string][] = [
  ['host_rewrite_literal', { hostRewriteLiteral: 'backend.local' }, 'backend.local'],
  ['host_rewrite_header present', { hostRewriteHeader: 'x-host' }, 'upstream.internal'],
  ['host_rewrite_header repeated: the first value', { hostRewriteHeader: 'x-many' }, 'first.internal'],
  ['host_rewrite_header missing leaves the authority', { hostRewriteHeader: 'x-absent' }, 'front.example:8080'],
  ['host_rewrite_header empty leaves the authority', { hostRewriteHeader: 'x-empty' }, 'front.example:8080'],
  ['no host rewrite', {}, 'front.example:8080'],
];

for (const [name, fields, expected] of hostCases) {
  test(`host rewrite: ${name}`, () => {
    const rewrite = compileHostRewrite(toCluster('c', fields));
    assert.equal(rewrite === undefined ? 'front.example:8080' : rewrite('front.example:8080', lookup), expected);
  });
}
