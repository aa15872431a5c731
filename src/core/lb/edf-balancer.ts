// A balancer over an EDF schedule of hosts, used by weighted round robin and least request
// (each passes its own weight function). Seeded with a random number of initial picks, as
// Envoy seeds its EDF schedulers, so processes do not pick in step.
import type { Endpoint } from '../model/endpoint.ts';
import { EdfScheduler } from './edf-scheduler.ts';
import type { LoadBalancer, PickRequest } from './load-balancer.ts';

export class EdfBalancer implements LoadBalancer {
  readonly #scheduler: EdfScheduler<Endpoint>;

  constructor(hosts: readonly Endpoint[], weight: (host: Endpoint) => number, random: () => number) {
    this.#scheduler = new EdfScheduler(hosts, weight);
    for (let k = Math.floor(random() * hosts.length); k > 0; k--) this.#scheduler.pick();
  }

  pick(req: PickRequest): Endpoint | undefined {
    const exclude = req.exclude;
    if (exclude === undefined || exclude.size === 0) return this.#scheduler.pick();
    return this.#scheduler.pick((h) => exclude.has(h.id));
  }
}
