// The per-cluster services an attempt loop uses: host picking, the request and retry limits,
// and outcome reporting (outlier detection, breaker stats, latency). The runtime builds one per
// cluster from the snapshot and its shared state; tests build simple ones.
import type { MeshError } from '../errors.ts';
import type { PickRequest } from '../lb/load-balancer.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { AttemptOutcome } from '../policy/retry-classifier.ts';

export type Release = () => void;

export interface ClusterRuntime {
  readonly name: string;
  /** A host for one attempt, or undefined when none is available (no healthy upstream). */
  pick(request: PickRequest): Endpoint | undefined;
  /** max_requests for one attempt on `endpoint` (counted active there); the release runs when the attempt ends. */
  acquireRequest(endpoint: Endpoint): Release | MeshError;
  /** max_retries or the retry budget for one retry or hedge; undefined when exhausted. */
  acquireRetry(): Release | undefined;
  /** Every attempt's outcome, for outlier detection and stats. */
  reportOutcome(endpoint: Endpoint, outcome: AttemptOutcome, latencyMs: number): void;
}
