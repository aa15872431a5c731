// Load-balancer pick cost over 1,000 endpoints for each policy, against the least any balancer
// does (indexing an array) measured in the same run. Target (reported, not asserted): < 0.5 µs.
import { createLeastRequest } from '../src/core/lb/lb-least-request.ts';
import { createMaglev } from '../src/core/lb/lb-maglev.ts';
import { createRandom } from '../src/core/lb/lb-random.ts';
import { createRingHash } from '../src/core/lb/lb-ring-hash.ts';
import { createRoundRobin } from '../src/core/lb/lb-round-robin.ts';
import { xxHash64 } from '../src/core/lb/hash64.ts';
import type { LbContext } from '../src/core/lb/load-balancer.ts';
import type { Cluster } from '../src/core/model/cluster.ts';
import type { Endpoint } from '../src/core/model/endpoint.ts';
import { report, timeOps } from './harness.ts';

const N = 1000;
const host = (i: number, weight: number): Endpoint => ({
  id: `10.0.${i >> 8}.${i & 255}:8080`,
  address: `10.0.${i >> 8}.${i & 255}`,
  port: 8080,
  hostname: '',
  weight,
  health: 'HEALTHY',
  metadata: {},
  locality: { region: 'r', zone: 'z', subZone: '' },
  priority: 0,
});
const equal = Array.from({ length: N }, (_, i) => host(i, 1));
const unequal = Array.from({ length: N }, (_, i) => host(i, 1 + (i % 10)));

let seed = 0x9e3779b9;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const active = new Map(equal.map((h, i) => [h.id, i % 7]));
const ctx: LbContext = { random, now: () => 0, activeRequests: (h) => active.get(h.id) ?? 0, hostAddedAt: () => undefined };
const cluster = {
  leastRequest: { choiceCount: 2, activeRequestBias: 1 },
  ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
  maglev: { tableSize: 65537 },
  slowStart: undefined,
} as Cluster;

const hashes = Array.from({ length: 4096 }, (_, i) => ({ hash: xxHash64(`user-${i}`) }));
const plain = {};
const lbs = {
  rrEqual: createRoundRobin(equal, cluster, ctx),
  rrUnequal: createRoundRobin(unequal, cluster, ctx),
  lrEqual: createLeastRequest(equal, cluster, ctx),
  lrUnequal: createLeastRequest(unequal, cluster, ctx),
  random: createRandom(unequal, cluster, ctx),
  ring: createRingHash(equal, cluster, ctx),
  maglev: createMaglev(equal, cluster, ctx),
};

const baseline = timeOps('hosts[i % n] (baseline)', (i) => equal[i % N]);
const subjects = [
  timeOps('round robin, equal weights', () => lbs.rrEqual.pick(plain)),
  timeOps('round robin, unequal weights (EDF)', () => lbs.rrUnequal.pick(plain)),
  timeOps('least request, equal weights (P2C)', () => lbs.lrEqual.pick(plain)),
  timeOps('least request, unequal weights (EDF)', () => lbs.lrUnequal.pick(plain)),
  timeOps('random, unequal weights', () => lbs.random.pick(plain)),
  timeOps('ring hash, precomputed hash', (i) => lbs.ring.pick(hashes[i & 4095]!)),
  timeOps('maglev, precomputed hash', (i) => lbs.maglev.pick(hashes[i & 4095]!)),
];
report(`load-balancer pick over ${N} endpoints`, baseline, subjects, ['Target: pick < 500 ns (p50).']);
