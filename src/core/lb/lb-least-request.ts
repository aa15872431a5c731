// Least request (Envoy LEAST_REQUEST): with equal weights, the power of N choices (the least
// loaded of `choiceCount` random hosts); with unequal weights, an EDF schedule over
// weight / (active + 1)^activeRequestBias, read again each time a host is requeued.
import type { Cluster, LeastRequestConfig } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import { EdfBalancer } from './edf-balancer.ts';
import { excludedIndexes, indexHosts } from './exclude.ts';
import { type LbContext, type LoadBalancer, type PickRequest, registerLoadBalancerType } from './load-balancer.ts';
import { slowStartWeight, weightsAreUniform } from './slow-start.ts';

export const LEAST_REQUEST = 'sidelet.lb.least_request';

class ChoiceOfN implements LoadBalancer {
  readonly #hosts: readonly Endpoint[];
  readonly #choices: number;
  readonly #ctx: LbContext;
  readonly #indexById: ReadonlyMap<string, number>;

  constructor(hosts: readonly Endpoint[], choices: number, ctx: LbContext) {
    this.#hosts = hosts;
    this.#choices = Math.max(1, choices);
    this.#ctx = ctx;
    this.#indexById = indexHosts(hosts);
  }

  pick(req: PickRequest): Endpoint | undefined {
    const n = this.#hosts.length;
    if (n === 0) return undefined;
    const skipped = req.exclude === undefined || req.exclude.size === 0 ? [] : excludedIndexes(this.#indexById, req.exclude);
    const allowed = skipped.length === n ? n : n - skipped.length;
    let best: Endpoint | undefined;
    let bestActive = Number.POSITIVE_INFINITY;
    for (let c = 0; c < this.#choices; c++) {
      let index = Math.floor(this.#ctx.random() * allowed);
      // Sampling among the allowed hosts only: hop over each excluded index at or below.
      if (allowed < n) for (const i of skipped) if (i <= index) index++;
      const host = this.#hosts[index]!;
      const active = this.#ctx.activeRequests(host);
      if (active < bestActive) {
        best = host;
        bestActive = active;
      }
    }
    return best;
  }
}

/** The least-request weight of a host of (slow-start scaled) weight `weight`. */
export function leastRequestWeight(weight: number, active: number, config: LeastRequestConfig): number {
  const bias = config.activeRequestBias;
  if (bias === 0) return weight;
  return bias === 1 ? weight / (active + 1) : weight / (active + 1) ** bias;
}

export function createLeastRequest(hosts: readonly Endpoint[], cluster: Cluster, ctx: LbContext): LoadBalancer {
  if (weightsAreUniform(hosts, cluster.slowStart, ctx)) return new ChoiceOfN(hosts, cluster.leastRequest.choiceCount, ctx);
  const weight = (h: Endpoint) => leastRequestWeight(slowStartWeight(h, cluster.slowStart, ctx), ctx.activeRequests(h), cluster.leastRequest);
  return new EdfBalancer(hosts, weight, ctx.random);
}

registerLoadBalancerType(LEAST_REQUEST, createLeastRequest);
