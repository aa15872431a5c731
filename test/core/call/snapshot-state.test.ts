// Per-snapshot state: outlier ejection takes a failing host out of the balancer, and it comes
// back after its ejection time; state is built once per snapshot and closed with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseText } from '../../../src/config/load-bootstrap.ts';
import { SnapshotState } from '../../../src/core/call/snapshot-state.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const { staticResources } = parseText(
  `static_resources:
  clusters:
    - name: svc
      outlier_detection: { consecutive_5xx: 2, interval: 1s, base_ejection_time: 5s, max_ejection_percent: 50 }
      load_assignment:
        cluster_name: svc
        endpoints: [{ lb_endpoints: [
          { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } },
          { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 2 } } } } ] }]
`,
  'state.yaml',
);

test('a host failing consecutive_5xx times is ejected from picks and returns after its ejection time', (t) => {
  const clock = new FakeClock();
  const state = new SnapshotState({ ...staticResources, version: 1 }, clock, seededRandom(1));
  t.after(() => state.close());
  const services = state.cluster('svc')!;
  assert.equal(state.cluster('svc'), services, 'built once per snapshot');
  const bad = services.pick({})!;
  const fail = { kind: 'response', status: 503, headers: () => undefined } as const;
  services.reportOutcome(bad, fail, 1);
  services.reportOutcome(bad, fail, 1);
  const picks = new Set(Array.from({ length: 20 }, () => services.pick({})!.id));
  const other = bad.id === '127.0.0.1:1' ? '127.0.0.1:2' : '127.0.0.1:1';
  assert.deepEqual([...picks], [other], 'only the healthy host is picked');
  clock.advance(6000);
  const after = new Set(Array.from({ length: 20 }, () => services.pick({})!.id));
  assert.equal(after.size, 2, 'the ejected host is picked again once its time is over');
});

test('unknown clusters and listeners give undefined, not an error', () => {
  const state = new SnapshotState({ ...staticResources, version: 1 }, new FakeClock(), seededRandom(1));
  assert.equal(state.cluster('nope'), undefined);
  assert.equal(state.routes('nope:80'), undefined);
  state.close();
});
