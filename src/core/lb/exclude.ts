// Helpers for PickRequest.exclude shared by the balancers: avoid the listed hosts, fall back
// to them only when every host is listed.
import type { Endpoint } from '../model/endpoint.ts';

/** Ascending indexes of the excluded hosts, via an id → index map built once per balancer. */
export function excludedIndexes(indexById: ReadonlyMap<string, number>, exclude: ReadonlySet<string>): number[] {
  const out: number[] = [];
  for (const id of exclude) {
    const index = indexById.get(id);
    if (index !== undefined) out.push(index);
  }
  return out.sort((a, b) => a - b);
}

export function indexHosts(hosts: readonly Endpoint[]): Map<string, number> {
  return new Map(hosts.map((h, i) => [h.id, i]));
}

/**
 * Starting at `start` and stepping forward with wrap-around over `length` slots, the first slot
 * whose host is not excluded; `start` when all are.
 */
export function firstAllowedSlot(start: number, length: number, hostAt: (slot: number) => Endpoint, exclude: ReadonlySet<string>): number {
  for (let step = 0, slot = start; step < length; step++) {
    if (!exclude.has(hostAt(slot).id)) return slot;
    slot = slot + 1 === length ? 0 : slot + 1;
  }
  return start;
}
