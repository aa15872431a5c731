// The balancer registry: built-in types under dotted names, duplicates refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LB_POLICY_TYPES } from '../../../src/core/lb/cluster-load-balancer.ts';
import { getLoadBalancerFactory, registerLoadBalancerType } from '../../../src/core/lb/load-balancer.ts';

test('every policy has a registered factory under its dotted name', () => {
  assert.deepEqual(LB_POLICY_TYPES, {
    ROUND_ROBIN: 'sidelet.lb.round_robin',
    LEAST_REQUEST: 'sidelet.lb.least_request',
    RANDOM: 'sidelet.lb.random',
    RING_HASH: 'sidelet.lb.ring_hash',
    MAGLEV: 'sidelet.lb.maglev',
  });
  for (const name of Object.values(LB_POLICY_TYPES)) assert.equal(typeof getLoadBalancerFactory(name), 'function', name);
});

test('registering a name twice throws, and the first registration stays', () => {
  const first = () => ({ pick: () => undefined });
  registerLoadBalancerType('test.lb.once', first);
  assert.throws(() => registerLoadBalancerType('test.lb.once', () => ({ pick: () => undefined })), /already registered/);
  assert.equal(getLoadBalancerFactory('test.lb.once'), first);
  assert.throws(() => registerLoadBalancerType('sidelet.lb.round_robin', first), /already registered/);
});

test('an unknown name has no factory', () => {
  assert.equal(getLoadBalancerFactory('sidelet.lb.nope'), undefined);
});
