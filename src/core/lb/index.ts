// The load-balancing module's public surface: contracts, the cluster balancer and request hashing.
export { createClusterLoadBalancer, LB_POLICY_TYPES } from './cluster-load-balancer.ts';
export { LEAST_REQUEST } from './lb-least-request.ts';
export { MAGLEV } from './lb-maglev.ts';
export { RANDOM } from './lb-random.ts';
export { RING_HASH } from './lb-ring-hash.ts';
export { ROUND_ROBIN } from './lb-round-robin.ts';
export type { LbContext, LoadBalancer, LoadBalancerFactory, PickRequest } from './load-balancer.ts';
export { getLoadBalancerFactory, registerLoadBalancerType } from './load-balancer.ts';
export { computeRequestHash, type HashInput } from './request-hash.ts';
