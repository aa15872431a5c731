// Fault decisions: fixed and header-controlled delays and aborts, percentages (seeded, within
// tolerance), percentage headers capped by the config, scoping, and the active-fault count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpFaultConfig } from '../../../src/core/model/policy-fault.ts';
import { ActiveFaults, ACTIVE_FAULTS_BYTES } from '../../../src/core/policy/fault-active.ts';
import { decideFault, NO_FAULT } from '../../../src/core/policy/fault-decision.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const base: HttpFaultConfig = { delay: undefined, abort: undefined, upstreamCluster: undefined, headers: [], downstreamNodes: [], maxActiveFaults: undefined };
const all = { numerator: 100, denominator: 100 };
const none = new Map<string, string>();
const noDraw = () => assert.fail('no draw expected');

function share(config: HttpFaultConfig, headers: ReadonlyMap<string, string>, pick: (d: ReturnType<typeof decideFault>) => boolean, n = 20_000): number {
  const random = seededRandom(7);
  let hits = 0;
  for (let i = 0; i < n; i++) if (pick(decideFault(config, headers, random))) hits++;
  return hits / n;
}

test('a fixed delay and an HTTP abort at 100 % are both injected, without drawing', () => {
  const config = { ...base, delay: { source: { kind: 'fixed' as const, ms: 250 }, percentage: all }, abort: { source: { kind: 'http' as const, status: 503 }, percentage: all } };
  assert.deepEqual(decideFault(config, none, noDraw), { delayMs: 250, abort: { status: 503 } });
  const grpc = { ...base, abort: { source: { kind: 'grpc' as const, grpcStatus: 14 }, percentage: all } };
  assert.deepEqual(decideFault(grpc, none, noDraw), { abort: { grpcStatus: 14 } });
});

test('percentages are honoured within tolerance, in every denominator', () => {
  const delay = { ...base, delay: { source: { kind: 'fixed' as const, ms: 10 }, percentage: { numerator: 25, denominator: 100 } } };
  assert.ok(Math.abs(share(delay, none, (d) => d.delayMs === 10) - 0.25) < 0.015);
  const abort = { ...base, abort: { source: { kind: 'http' as const, status: 500 }, percentage: { numerator: 1500, denominator: 10_000 } } };
  assert.ok(Math.abs(share(abort, none, (d) => d.abort !== undefined) - 0.15) < 0.015);
  const zero = { ...base, abort: { source: { kind: 'http' as const, status: 500 }, percentage: { numerator: 0, denominator: 100 } } };
  assert.equal(decideFault(zero, none, noDraw), NO_FAULT);
});

const headerFaults: HttpFaultConfig = {
  ...base,
  delay: { source: { kind: 'header' }, percentage: { numerator: 50, denominator: 100 } },
  abort: { source: { kind: 'header' }, percentage: all },
};

test('header-controlled faults come from the x-envoy-fault-* headers', () => {
  const always = () => 0;
  assert.equal(decideFault(headerFaults, none, always), NO_FAULT, 'no headers, no fault');
  assert.deepEqual(decideFault(headerFaults, new Map([['x-envoy-fault-delay-request', '200']]), always), { delayMs: 200 });
  assert.deepEqual(decideFault(headerFaults, new Map([['x-envoy-fault-abort-request', '429']]), always), { abort: { status: 429 } });
  assert.deepEqual(decideFault(headerFaults, new Map([['x-envoy-fault-abort-grpc-request', '8'], ['x-envoy-fault-abort-request', '500']]), always), { abort: { grpcStatus: 8 } });
  assert.equal(decideFault(headerFaults, new Map([['x-envoy-fault-abort-request', '700']]), always), NO_FAULT, 'status outside [200, 600)');
  assert.equal(decideFault(headerFaults, new Map([['x-envoy-fault-delay-request', 'soon']]), always), NO_FAULT);
  assert.equal(decideFault(headerFaults, new Map([['x-envoy-fault-delay-request', '0']]), always), NO_FAULT);
});

test('the percentage headers set the numerator, capped by the configured one', () => {
  const abortAt = (p: string) => new Map([['x-envoy-fault-abort-request', '503'], ['x-envoy-fault-abort-request-percentage', p]]);
  assert.ok(Math.abs(share(headerFaults, abortAt('30'), (d) => d.abort !== undefined) - 0.3) < 0.015);
  assert.equal(share(headerFaults, abortAt('0'), (d) => d.abort !== undefined), 0);
  const delayAt = (p: string) => new Map([['x-envoy-fault-delay-request', '5'], ['x-envoy-fault-delay-request-percentage', p]]);
  assert.ok(Math.abs(share(headerFaults, delayAt('90'), (d) => d.delayMs === 5) - 0.5) < 0.015, 'capped at the configured 50 %');
  assert.ok(Math.abs(share(headerFaults, delayAt('x'), (d) => d.delayMs === 5) - 0.5) < 0.015, 'unparsable: the configured 50 %');
});

test('faults are scoped by upstream cluster, downstream node and header matchers', () => {
  const scoped: HttpFaultConfig = {
    ...base,
    abort: { source: { kind: 'http', status: 503 }, percentage: all },
    upstreamCluster: 'reviews',
    downstreamNodes: ['web-1'],
    headers: [{ name: 'x-chaos', rule: { kind: 'present', present: true }, invertMatch: false, treatMissingHeaderAsEmpty: false }],
  };
  const ok = new Map([['x-envoy-downstream-service-node', 'web-1'], ['x-chaos', '1']]);
  assert.deepEqual(decideFault(scoped, ok, noDraw, 'reviews'), { abort: { status: 503 } });
  assert.equal(decideFault(scoped, ok, noDraw, 'ratings'), NO_FAULT);
  assert.equal(decideFault(scoped, new Map([['x-chaos', '1']]), noDraw, 'reviews'), NO_FAULT);
  assert.equal(decideFault(scoped, new Map([['x-envoy-downstream-service-node', 'web-1']]), noDraw, 'reviews'), NO_FAULT);
});

test('max_active_faults: no fault is entered once the limit is active; leaving frees a place', () => {
  const active = new ActiveFaults(new SharedArrayBuffer(ACTIVE_FAULTS_BYTES));
  assert.equal(active.tryEnter(2), true);
  assert.equal(active.tryEnter(2), true);
  assert.equal(active.tryEnter(2), false);
  assert.equal(active.active, 2);
  active.leave();
  assert.equal(active.tryEnter(2), true);
  assert.equal(active.tryEnter(undefined), true, 'unlimited');
  assert.equal(active.tryEnter(0), false);
});
