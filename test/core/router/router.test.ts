// The router end to end: virtual host and first matching route, pseudo-header and query
// matching, runtime_fraction, the decision kinds and the no_route reasons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForwardDecision, RouteDecision } from '../../../src/core/router/index.ts';
import { compileRouteTable, route } from '../../../src/core/router/index.ts';
import {
  add,
  directResponse,
  exact,
  exactPath,
  headerMatcher,
  makeConfig,
  makeRoute,
  makeVirtualHost,
  mutations,
  prefix,
  queryMatcher,
  regexPath,
  request,
  routeMatch,
  sequence,
  stringRule,
  toCluster,
  toWeighted,
  weightedCluster,
} from './fixtures.ts';

function forwarded(decision: RouteDecision): ForwardDecision {
  assert.equal(decision.kind, 'forward', JSON.stringify(decision));
  return decision as ForwardDecision;
}

const table = compileRouteTable(
  makeConfig([
    makeVirtualHost(
      'bookinfo',
      ['bookinfo.example', 'bookinfo.example:443'],
      [
        makeRoute('health', routeMatch(exactPath('/health')), directResponse(200, 'ok')),
        makeRoute('post-only', routeMatch(prefix('/reviews'), { headers: [headerMatcher(':method', stringRule(exact('POST')))] }), toCluster('reviews-writer')),
        makeRoute('beta', routeMatch(prefix('/reviews'), { queryParameters: [queryMatcher('beta', undefined)] }), toCluster('reviews-beta')),
        makeRoute('by-id', routeMatch(regexPath('/reviews/[0-9]+')), toCluster('reviews-by-id')),
        makeRoute('reviews', routeMatch(prefix('/reviews')), toCluster('reviews')),
        makeRoute('by-authority', routeMatch(prefix('/'), { headers: [headerMatcher(':authority', stringRule({ kind: 'suffix', value: ':443', ignoreCase: false }))] }), toCluster('tls')),
        makeRoute('by-path-header', routeMatch(prefix('/'), { headers: [headerMatcher(':path', stringRule({ kind: 'contains', value: 'debug=1', ignoreCase: false }))] }), toCluster('debug')),
        makeRoute('by-header', routeMatch(prefix('/'), { headers: [headerMatcher('x-user', stringRule(exact('jason')))] }), toCluster('jason')),
      ],
    ),
    makeVirtualHost('fallback', ['*'], [makeRoute('none-match', routeMatch(exactPath('/only')), toCluster('fallback'))]),
  ]),
);

// [case, request, expected cluster or direct status]
const routing: [string, Parameters<typeof request>[0], string][] = [
  ['direct response on the exact path', { authority: 'bookinfo.example', path: '/health' }, 'direct:200'],
  [':method pseudo-header', { authority: 'bookinfo.example', path: '/reviews/1', method: 'POST' }, 'reviews-writer'],
  ['query parameter present', { authority: 'bookinfo.example', path: '/reviews/1?beta' }, 'reviews-beta'],
  ['regex route before the broader prefix', { authority: 'bookinfo.example', path: '/reviews/42' }, 'reviews-by-id'],
  ['first matching route wins', { authority: 'bookinfo.example', path: '/reviews/abc' }, 'reviews'],
  [':authority pseudo-header, as given', { authority: 'bookinfo.example:443', path: '/x' }, 'tls'],
  [':path pseudo-header includes the query', { authority: 'bookinfo.example', path: '/x?debug=1' }, 'debug'],
  ['regular header', { authority: 'bookinfo.example', path: '/x', headers: { 'x-user': 'jason' } }, 'jason'],
  ['a ":"-name in the headers map is not a pseudo-header', { authority: 'bookinfo.example', path: '/reviews/abc', method: 'GET', headers: { ':method': 'POST' } }, 'reviews'],
  ['host matched case-insensitively', { authority: 'BookInfo.Example', path: '/reviews' }, 'reviews'],
  ['other hosts reach the "*" virtual host', { authority: 'other.example', path: '/only' }, 'fallback'],
];

for (const [name, req, expected] of routing) {
  test(`route: ${name}`, () => {
    const decision = route(table, request(req));
    const got = decision.kind === 'forward' ? decision.cluster : decision.kind === 'direct_response' ? `direct:${decision.status}` : decision.reason;
    assert.equal(got, expected);
  });
}

test('route: direct_response carries status, body, route and virtual host', () => {
  const decision = route(table, request({ authority: 'bookinfo.example', path: '/health?x=1' }));
  assert.equal(decision.kind, 'direct_response');
  if (decision.kind !== 'direct_response') return;
  assert.equal(decision.status, 200);
  assert.equal(decision.body, 'ok');
  assert.equal(decision.route.name, 'health');
  assert.equal(decision.virtualHost.name, 'bookinfo');
});

test('route: a forward decision keeps path, authority and headers when nothing rewrites them', () => {
  const ctx = request({ authority: 'bookinfo.example', path: '/reviews/x?a=1', headers: { 'x-a': '1' } });
  const decision = forwarded(route(table, ctx));
  assert.equal(decision.path, '/reviews/x?a=1');
  assert.equal(decision.authority, 'bookinfo.example');
  assert.equal(decision.headers, ctx.headers);
  assert.equal(decision.virtualHost.name, 'bookinfo');
  assert.equal(decision.route.name, 'reviews');
  assert.equal(decision.action, decision.route.action);
  assert.equal(decision.metadataMatch, undefined);
});

test('no_route: no virtual host', () => {
  const t = compileRouteTable(makeConfig([makeVirtualHost('only', ['a.example'], [])], { name: 'rc' }));
  const decision = route(t, request({ authority: 'b.example' }));
  assert.deepEqual(decision, { kind: 'no_route', reason: 'no_virtual_host', detail: 'no virtual host of route configuration "rc" serves authority "b.example"' });
});

test('no_route: no route matches', () => {
  const decision = route(table, request({ authority: 'other.example', path: '/elsewhere', method: 'PUT' }));
  assert.deepEqual(decision, { kind: 'no_route', reason: 'no_route_match', detail: 'no route of virtual host "fallback" matches PUT /elsewhere' });
});

test('no_route: cluster_header missing; present names the cluster', () => {
  const t = compileRouteTable(makeConfig([makeVirtualHost('vh', ['*'], [makeRoute('by-header', routeMatch(prefix('/')), toCluster('', { cluster: { kind: 'cluster_header', header: 'x-cluster' } }))])]));
  const missing = route(t, request());
  assert.equal(missing.kind, 'no_route');
  if (missing.kind === 'no_route') {
    assert.equal(missing.reason, 'no_cluster');
    assert.match(missing.detail, /cluster_header "x-cluster" is missing or empty \(route "by-header" of virtual host "vh"\)/);
  }
  assert.equal(forwarded(route(t, request({ headers: { 'x-cluster': 'canary' } }))).cluster, 'canary');
});

test('runtime_fraction: drawn once, only after the other conditions hold; matches when random() * 1e6 < perMillion', () => {
  const t = compileRouteTable(
    makeConfig([
      makeVirtualHost(
        'vh',
        ['*'],
        [
          makeRoute('canary', routeMatch(prefix('/api'), { runtimeFraction: { perMillion: 250_000 } }), toCluster('canary')),
          makeRoute('stable', routeMatch(prefix('/'), { runtimeFraction: { perMillion: 1_000_000 } }), toCluster('stable')),
          makeRoute('never', routeMatch(prefix('/'), { runtimeFraction: { perMillion: 0 } }), toCluster('never')),
        ],
      ),
    ]),
  );
  assert.equal(forwarded(route(t, request({ path: '/api', random: sequence(0.2499) }))).cluster, 'canary');
  assert.equal(forwarded(route(t, request({ path: '/api', random: sequence(0.25, 0.9999) }))).cluster, 'stable');
  // '/other' fails canary's path, so canary draws nothing: the single value goes to 'stable'.
  assert.equal(forwarded(route(t, request({ path: '/other', random: sequence(0.5) }))).cluster, 'stable');
  const zero = compileRouteTable(makeConfig([makeVirtualHost('vh', ['*'], [makeRoute('never', routeMatch(prefix('/'), { runtimeFraction: { perMillion: 0 } }), toCluster('never'))])]));
  assert.equal(route(zero, request({ random: sequence(0) })).kind, 'no_route');
});

test('case_sensitive false on a route', () => {
  const t = compileRouteTable(makeConfig([makeVirtualHost('vh', ['*'], [makeRoute('ci', routeMatch(exactPath('/Login'), { caseSensitive: false }), toCluster('auth'))])]));
  assert.equal(forwarded(route(t, request({ path: '/LOGIN?next=/' }))).cluster, 'auth');
  assert.equal(route(t, request({ path: '/logout' })).kind, 'no_route');
});

test('forward: rewrites, header mutations in Envoy order, host from a header added by a mutation', () => {
  const t = compileRouteTable(
    makeConfig(
      [
        makeVirtualHost(
          'vh',
          ['*'],
          [
            makeRoute(
              'api',
              routeMatch(prefix('/api/')),
              toCluster('backend', { prefixRewrite: '/', hostRewriteHeader: 'x-upstream-host', metadataMatch: { version: 'v1' } }),
              { headers: mutations([add('x-level', 'route'), add('x-upstream-host', 'backend.internal', 'ADD_IF_ABSENT')], ['x-remove-me']) },
            ),
          ],
          { headers: mutations([add('x-level', 'vhost'), add('x-set', 'vhost', 'OVERWRITE_IF_EXISTS_OR_ADD')]) },
        ),
      ],
      { headers: mutations([add('x-level', 'global'), add('x-set', 'global', 'OVERWRITE_IF_EXISTS_OR_ADD')]) },
    ),
  );
  const decision = forwarded(route(t, request({ authority: 'front.example', path: '/api/users?id=7', headers: { 'x-remove-me': '1', 'x-level': 'client' } })));
  assert.equal(decision.path, '/users?id=7');
  assert.equal(decision.authority, 'backend.internal');
  assert.deepEqual(Object.fromEntries(decision.headers), {
    'x-level': 'client,route,vhost,global',
    'x-upstream-host': 'backend.internal',
    'x-set': 'global',
  });
  assert.deepEqual(decision.metadataMatch, { version: 'v1' });
});

test('forward: weighted clusters pick by random(), merge metadata_match (cluster wins) and apply cluster headers first', () => {
  const t = compileRouteTable(
    makeConfig([
      makeVirtualHost(
        'vh',
        ['*'],
        [
          makeRoute(
            'split',
            routeMatch(prefix('/')),
            toWeighted(
              [
                weightedCluster('v1', 90, { metadataMatch: { version: 'v1' } }),
                weightedCluster('v2', 10, { metadataMatch: { version: 'v2', canary: true }, headers: mutations([add('x-level', 'cluster'), add('x-canary', '1')]) }),
              ],
              { metadataMatch: { version: 'any', zone: 'a' } },
            ),
            { headers: mutations([add('x-level', 'route')]) },
          ),
        ],
      ),
    ]),
  );
  const first = forwarded(route(t, request({ random: sequence(0.5) })));
  assert.equal(first.cluster, 'v1');
  assert.deepEqual(first.metadataMatch, { version: 'v1', zone: 'a' });
  assert.deepEqual(Object.fromEntries(first.headers), { 'x-level': 'route' });
  const second = forwarded(route(t, request({ random: sequence(0.95) })));
  assert.equal(second.cluster, 'v2');
  assert.deepEqual(second.metadataMatch, { version: 'v2', zone: 'a', canary: true });
  assert.deepEqual(Object.fromEntries(second.headers), { 'x-level': 'cluster,route', 'x-canary': '1' });
});

test('compileRouteTable refuses a regex_rewrite substitution naming a missing group, with its config path', () => {
  const config = makeConfig([
    makeVirtualHost('vh', ['*'], [makeRoute('ok', routeMatch(prefix('/')), toCluster('c')), makeRoute('bad', routeMatch(prefix('/')), toCluster('c', { regexRewrite: { regex: /^\/(a)$/g, substitution: '\\2' } }))]),
  ]);
  assert.throws(() => compileRouteTable(config), /virtual_hosts\[0\]\.routes\[1\]\.route\.regex_rewrite\.substitution: refers to group \\2/);
});
