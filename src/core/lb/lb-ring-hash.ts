// Ring hash (Envoy RING_HASH, gRPC A42): each host owns points `xxHash64("<id>_<i>")` on a
// 64-bit ring in proportion to its weight; a request goes to the first point at or after its
// hash. Built from hosts sorted by id, so the ring does not depend on host order.
import type { Cluster, RingHashConfig } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import { firstAllowedSlot } from './exclude.ts';
import { xxHash64 } from './hash64.ts';
import { type LbContext, type LoadBalancer, type PickRequest, registerLoadBalancerType } from './load-balancer.ts';

export const RING_HASH = 'sidelet.lb.ring_hash';

const TWO_32 = 2 ** 32;

/**
 * Points per host as Envoy computes them: the scale gives the lightest host a whole number of
 * points (at least minimumRingSize in all), capped by maximumRingSize; running sums hand each
 * host the floor or ceiling of its share.
 */
export function ringPointCounts(weights: readonly number[], config: RingHashConfig): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0 || total <= 0) return weights.map(() => 0);
  const normalized = weights.map((w) => w / total);
  const minWeight = Math.min(...normalized);
  const scale = Math.min(Math.ceil(minWeight * config.minimumRingSize) / minWeight, config.maximumRingSize);
  let current = 0;
  let target = 0;
  return normalized.map((w) => {
    target += scale * w;
    let count = 0;
    for (; current < target; current++) count++;
    return count;
  });
}

export class RingHash implements LoadBalancer {
  readonly #random: () => number;
  /** Ring points sorted by hash, split into 32-bit halves so lookups stay in plain numbers. */
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #host: readonly Endpoint[];

  constructor(hosts: readonly Endpoint[], config: RingHashConfig, random: () => number) {
    this.#random = random;
    const sorted = [...hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const counts = ringPointCounts(
      sorted.map((h) => h.weight),
      config,
    );
    const points: { hash: bigint; host: Endpoint }[] = [];
    sorted.forEach((host, k) => {
      for (let i = 0; i < counts[k]!; i++) points.push({ hash: xxHash64(`${host.id}_${i}`), host });
    });
    points.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.#hi = Uint32Array.from(points, (p) => Number(p.hash >> 32n));
    this.#lo = Uint32Array.from(points, (p) => Number(p.hash & 0xffffffffn));
    this.#host = points.map((p) => p.host);
  }

  pick(req: PickRequest): Endpoint | undefined {
    const n = this.#host.length;
    if (n === 0) return undefined;
    let hi: number;
    let lo: number;
    if (req.hash === undefined) {
      hi = Math.floor(this.#random() * TWO_32);
      lo = Math.floor(this.#random() * TWO_32);
    } else {
      hi = Number(BigInt.asUintN(32, req.hash >> 32n));
      lo = Number(BigInt.asUintN(32, req.hash));
    }
    let slot = this.#lowerBound(hi, lo);
    if (req.exclude !== undefined && req.exclude.size > 0) slot = firstAllowedSlot(slot, n, (i) => this.#host[i]!, req.exclude);
    return this.#host[slot];
  }

  /** The first point at or after the hash, wrapping to the start of the ring. */
  #lowerBound(hi: number, lo: number): number {
    const his = this.#hi;
    const los = this.#lo;
    let a = 0;
    let b = his.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const h = his[mid]!;
      if (h < hi || (h === hi && los[mid]! < lo)) a = mid + 1;
      else b = mid;
    }
    return a === his.length ? 0 : a;
  }
}

export function createRingHash(hosts: readonly Endpoint[], cluster: Cluster, ctx: LbContext): LoadBalancer {
  return new RingHash(hosts, cluster.ringHash, ctx.random);
}

registerLoadBalancerType(RING_HASH, createRingHash);
