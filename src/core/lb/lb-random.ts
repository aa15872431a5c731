// Weighted random: a binary search over cumulative weights, O(log n) per pick. Excluded hosts
// are cut out of the draw (their weight ranges skipped), so avoiding them costs no retries.
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import { excludedIndexes, indexHosts } from './exclude.ts';
import { type LbContext, type LoadBalancer, type PickRequest, registerLoadBalancerType } from './load-balancer.ts';

export const RANDOM = 'sidelet.lb.random';

class WeightedRandom implements LoadBalancer {
  readonly #hosts: readonly Endpoint[];
  readonly #random: () => number;
  /** ends[i]: the sum of weights of hosts 0..i; host i owns [ends[i-1], ends[i]). */
  readonly #ends: Float64Array;
  readonly #indexById: ReadonlyMap<string, number>;

  constructor(hosts: readonly Endpoint[], random: () => number) {
    this.#hosts = hosts;
    this.#random = random;
    this.#ends = new Float64Array(hosts.length);
    let sum = 0;
    hosts.forEach((h, i) => {
      sum += h.weight;
      this.#ends[i] = sum;
    });
    this.#indexById = indexHosts(hosts);
  }

  pick(req: PickRequest): Endpoint | undefined {
    const n = this.#hosts.length;
    if (n === 0) return undefined;
    const ends = this.#ends;
    const total = ends[n - 1]!;
    const skipped = req.exclude === undefined || req.exclude.size === 0 ? [] : excludedIndexes(this.#indexById, req.exclude);
    let skippedWeight = 0;
    for (const i of skipped) skippedWeight += this.#width(i);
    if (skipped.length === n) return this.#hosts[this.#search(this.#random() * total)];
    let point = this.#random() * (total - skippedWeight);
    // Map a point of the shortened line back onto the full one, hopping each excluded range.
    for (const i of skipped) if ((i === 0 ? 0 : ends[i - 1]!) <= point) point += this.#width(i);
    return this.#hosts[this.#search(point)];
  }

  #width(i: number): number {
    return this.#ends[i]! - (i === 0 ? 0 : this.#ends[i - 1]!);
  }

  /** The first host whose range ends after `point`. */
  #search(point: number): number {
    const ends = this.#ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! > point) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export function createRandom(hosts: readonly Endpoint[], _cluster: Cluster, ctx: LbContext): LoadBalancer {
  return new WeightedRandom(hosts, ctx.random);
}

registerLoadBalancerType(RANDOM, createRandom);
