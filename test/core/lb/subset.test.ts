// The subset balancer: exact selector keys, value matching and the three fallback policies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoundRobin } from '../../../src/core/lb/lb-round-robin.ts';
import type { LoadBalancer } from '../../../src/core/lb/load-balancer.ts';
import { canonicalJson, createSubsetLoadBalancer } from '../../../src/core/lb/subset.ts';
import type { LbSubsetConfig } from '../../../src/core/model/cluster.ts';
import type { LocalityEndpoints } from '../../../src/core/model/endpoint.ts';
import type { JsonObject } from '../../../src/core/model/metadata.ts';
import { cluster, context, endpoint, locality } from './fixtures.ts';

const hosts = [
  endpoint('v1-prod:80', { labels: { version: 'v1', stage: 'prod' } }),
  endpoint('v1-canary:80', { labels: { version: 'v1', stage: 'canary' } }),
  endpoint('v2-prod:80', { labels: { version: 'v2', stage: 'prod' } }),
  endpoint('v2-canary:80', { labels: { version: 'v2', stage: 'canary', hw: { gpu: true, n: [1, 2] } } }),
  endpoint('bare:80'),
];
const localities = [locality(hosts.slice(0, 3), { zone: 'a' }), locality(hosts.slice(3), { zone: 'b' })];

function balancer(fallbackPolicy: LbSubsetConfig['fallbackPolicy'], defaultSubset: JsonObject = {}): LoadBalancer {
  const config: LbSubsetConfig = { fallbackPolicy, defaultSubset, subsetSelectors: [['version'], ['stage', 'version'], ['hw']] };
  const build = (ls: readonly LocalityEndpoints[]) => createRoundRobin(
      ls.flatMap((l) => l.endpoints),
      cluster(),
      context(),
    );
  return createSubsetLoadBalancer(config, localities, build);
}

/** Every host a balancer can give for a request (round robin visits all within 20 picks). */
function reachable(lb: LoadBalancer, metadataMatch?: JsonObject): string[] {
  return [...new Set(Array.from({ length: 20 }, () => lb.pick({ metadataMatch })?.id ?? 'none'))].sort();
}

const all = hosts.map((h) => h.id).sort();
const cases: { name: string; policy: LbSubsetConfig['fallbackPolicy']; defaultSubset?: JsonObject; match?: JsonObject; expect: string[] }[] = [
  { name: 'one key', policy: 'NO_FALLBACK', match: { version: 'v1' }, expect: ['v1-canary:80', 'v1-prod:80'] },
  { name: 'two keys, any order', policy: 'NO_FALLBACK', match: { version: 'v2', stage: 'canary' }, expect: ['v2-canary:80'] },
  { name: 'structured values', policy: 'NO_FALLBACK', match: { hw: { n: [1, 2], gpu: true } }, expect: ['v2-canary:80'] },
  { name: 'keys of no selector → no fallback', policy: 'NO_FALLBACK', match: { stage: 'prod' }, expect: ['none'] },
  { name: 'no such subset → no fallback', policy: 'NO_FALLBACK', match: { version: 'v3' }, expect: ['none'] },
  { name: 'a value of another type does not match', policy: 'NO_FALLBACK', match: { version: 1 }, expect: ['none'] },
  { name: 'no metadata_match → no fallback', policy: 'NO_FALLBACK', expect: ['none'] },
  { name: 'no such subset → any endpoint', policy: 'ANY_ENDPOINT', match: { version: 'v3' }, expect: all },
  { name: 'no metadata_match → any endpoint', policy: 'ANY_ENDPOINT', expect: all },
  { name: 'no such subset → default subset', policy: 'DEFAULT_SUBSET', defaultSubset: { stage: 'prod' }, match: { version: 'v3' }, expect: ['v1-prod:80', 'v2-prod:80'] },
  { name: 'a matching subset wins over the default', policy: 'DEFAULT_SUBSET', defaultSubset: { stage: 'prod' }, match: { version: 'v2' }, expect: ['v2-canary:80', 'v2-prod:80'] },
  { name: 'empty default subset → every endpoint', policy: 'DEFAULT_SUBSET', defaultSubset: {}, expect: all },
  { name: 'default subset matching nothing → no host', policy: 'DEFAULT_SUBSET', defaultSubset: { stage: 'qa' }, expect: ['none'] },
];
for (const { name, policy, defaultSubset, match, expect } of cases) {
  test(`${policy}: ${name}`, () => {
    assert.deepEqual(reachable(balancer(policy, defaultSubset), match), expect);
  });
}

test('a subset keeps its endpoints` localities', () => {
  const seen: string[][] = [];
  const config: LbSubsetConfig = { fallbackPolicy: 'NO_FALLBACK', defaultSubset: {}, subsetSelectors: [['stage']] };
  const lb = createSubsetLoadBalancer(config, localities, (ls) => {
    seen.push(ls.map((l) => `${l.locality.zone}:${l.endpoints.map((e) => e.id).join('+')}`));
    return { pick: () => undefined };
  });
  lb.pick({ metadataMatch: { stage: 'canary' } });
  assert.deepEqual(seen, [['a:v1-canary:80', 'b:v2-canary:80']]);
});

test('canonical JSON ignores key order only', () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] }), canonicalJson({ a: [1, { c: null, d: 2 }], b: 1 }));
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.notEqual(canonicalJson('1'), canonicalJson(1));
});
