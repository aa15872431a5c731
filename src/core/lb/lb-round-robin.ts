// Weighted round robin (Envoy ROUND_ROBIN): plain rotation when weights are equal, otherwise an
// EDF schedule over the (slow-start scaled) weights. The starting point is random, so that
// processes built from the same snapshot do not march over the hosts in step.
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import { EdfBalancer } from './edf-balancer.ts';
import { firstAllowedSlot } from './exclude.ts';
import { type LbContext, type LoadBalancer, type PickRequest, registerLoadBalancerType } from './load-balancer.ts';
import { slowStartWeight, weightsAreUniform } from './slow-start.ts';

export const ROUND_ROBIN = 'sidelet.lb.round_robin';

class Rotation implements LoadBalancer {
  readonly #hosts: readonly Endpoint[];
  #next: number;

  constructor(hosts: readonly Endpoint[], start: number) {
    this.#hosts = hosts;
    this.#next = start;
  }

  pick(req: PickRequest): Endpoint | undefined {
    const n = this.#hosts.length;
    if (n === 0) return undefined;
    let slot = this.#next;
    if (req.exclude !== undefined && req.exclude.size > 0) slot = firstAllowedSlot(slot, n, (i) => this.#hosts[i]!, req.exclude);
    this.#next = slot + 1 === n ? 0 : slot + 1;
    return this.#hosts[slot];
  }
}

export function createRoundRobin(hosts: readonly Endpoint[], cluster: Cluster, ctx: LbContext): LoadBalancer {
  if (weightsAreUniform(hosts, cluster.slowStart, ctx)) return new Rotation(hosts, Math.floor(ctx.random() * hosts.length));
  return new EdfBalancer(hosts, (h) => slowStartWeight(h, cluster.slowStart, ctx), ctx.random);
}

registerLoadBalancerType(ROUND_ROBIN, createRoundRobin);
