// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with Envoy's weighted fill: a lookup
// table of prime size M where each host claims slots along its permutation (offset + j·skip)
// mod M. Built from hosts sorted by id, so the table depends only on the host set.
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import { firstAllowedSlot } from './exclude.ts';
import { xxHash64 } from './hash64.ts';
import { type LbContext, type LoadBalancer, type PickRequest, registerLoadBalancerType } from './load-balancer.ts';

export const MAGLEV = 'sidelet.lb.maglev';

/**
 * Host indexes (into `hosts`) for each of the `size` slots. Hosts take turns claiming their next
 * free preferred slot; a host of weight w takes a turn in w / maxWeight of the rounds.
 */
export function buildMaglevTable(hosts: readonly Endpoint[], size: number): Uint32Array {
  const table = new Uint32Array(size);
  if (hosts.length === 0) return table;
  const m = BigInt(size);
  const total = hosts.reduce((sum, h) => sum + h.weight, 0);
  const entries = hosts.map((host, index) => ({
    index,
    next: Number(xxHash64(host.id) % m),
    skip: Number(xxHash64(host.id, 1n) % (m - 1n)) + 1,
    weight: host.weight / total,
    target: 0,
  }));
  const maxWeight = Math.max(...entries.map((e) => e.weight));
  const filled = new Uint8Array(size);
  let count = 0;
  for (let round = 1; count < size; round++) {
    for (const entry of entries) {
      if (count === size) break;
      if (round * entry.weight < entry.target) continue;
      entry.target += maxWeight;
      while (filled[entry.next] === 1) entry.next = (entry.next + entry.skip) % size;
      filled[entry.next] = 1;
      table[entry.next] = entry.index;
      entry.next = (entry.next + entry.skip) % size;
      count++;
    }
  }
  return table;
}

export class Maglev implements LoadBalancer {
  readonly #hosts: readonly Endpoint[];
  readonly #table: Uint32Array;
  readonly #size: bigint;
  readonly #random: () => number;

  constructor(hosts: readonly Endpoint[], tableSize: number, random: () => number) {
    this.#hosts = [...hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#table = buildMaglevTable(this.#hosts, tableSize);
    this.#size = BigInt(tableSize);
    this.#random = random;
  }

  pick(req: PickRequest): Endpoint | undefined {
    if (this.#hosts.length === 0) return undefined;
    const table = this.#table;
    let slot = req.hash === undefined ? Math.floor(this.#random() * table.length) : Number(req.hash % this.#size);
    if (req.exclude !== undefined && req.exclude.size > 0) slot = firstAllowedSlot(slot, table.length, (i) => this.#hosts[table[i]!]!, req.exclude);
    return this.#hosts[table[slot]!];
  }
}

export function createMaglev(hosts: readonly Endpoint[], cluster: Cluster, ctx: LbContext): LoadBalancer {
  return new Maglev(hosts, cluster.maglev.tableSize, ctx.random);
}

registerLoadBalancerType(MAGLEV, createMaglev);
