// HealthySince on the fake clock: when a host's slow-start window starts (first seen healthy,
// again after failing active health checks, not after an outlier ejection), and a cluster's
// round robin giving a returning host a small share until its window has passed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import { decodeOutlierDetection } from '../../../src/config/decode-outlier-detection.ts';
import { HealthySince } from '../../../src/core/lb/healthy-since.ts';
import { OutlierDetector } from '../../../src/core/policy/outlier-detector.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { assignment, cluster, endpoint, locality, tally } from './fixtures.ts';

test('a host starts its window when first seen healthy and keeps it while it stays healthy', () => {
  const clock = new FakeClock(1000);
  const since = new HealthySince(clock);
  since.update('c', [['a', true], ['b', false]]);
  assert.equal(since.get('c', 'a'), 1000);
  assert.equal(since.get('c', 'b'), undefined, 'not healthy: no window yet');
  clock.advance(500);
  since.update('c', [['a', true], ['b', true]]);
  assert.deepEqual([since.get('c', 'a'), since.get('c', 'b')], [1000, 1500]);
});

test('a failing or removed host is forgotten and starts again when it is back', () => {
  const clock = new FakeClock();
  const since = new HealthySince(clock);
  since.update('c', [['a', true], ['b', true]]);
  clock.advance(100);
  since.update('c', [['a', false]]);
  assert.deepEqual([since.get('c', 'a'), since.get('c', 'b')], [undefined, undefined]);
  clock.advance(100);
  since.update('c', [['a', true], ['b', true]]);
  assert.deepEqual([since.get('c', 'a'), since.get('c', 'b')], [200, 200]);
  since.forget('c');
  assert.equal(since.get('c', 'a'), undefined);
});

test('round robin: a host back from failing active health checks ramps up over the window', () => {
  const clock = new FakeClock();
  const failing = new Set<string>();
  const hosts = [endpoint('10.0.0.1:80'), endpoint('10.0.0.2:80')];
  const slowStart = { windowMs: 1000, aggression: 1, minWeightPercent: 0.1 };
  const services = new ClusterServices(cluster({ slowStart }), assignment([locality(hosts)]), {
    clock,
    random: seededRandom(7),
    activeHealthFailures: () => failing,
    healthySince: new HealthySince(clock),
  });
  const back = '10.0.0.2:80';
  clock.advance(5000);
  services.refreshHealth();
  assert.equal(tally(() => services.pick({}), 100).get(back), 50, 'both past their window: an even split');

  failing.add(back);
  services.refreshHealth();
  assert.equal(tally(() => services.pick({}), 100).get(back), undefined, 'out of rotation while failing');

  clock.advance(1000);
  failing.delete(back);
  services.refreshHealth();
  const early = tally(() => services.pick({}), 100).get(back) ?? 0;
  assert.ok(early > 0 && early <= 12, `at 10 % weight the returning host took ${early} of 100`);
  clock.advance(500);
  const middle = tally(() => services.pick({}), 100).get(back) ?? 0;
  assert.ok(middle > early && middle < 50, `half way through its window it took ${middle} of 100`);
  clock.advance(500);
  assert.equal(tally(() => services.pick({}), 100).get(back), 50, 'past its window: an even split again');
});

test('an outlier ejection and return does not restart the window', () => {
  const clock = new FakeClock();
  const since = new HealthySince(clock);
  const hosts = [endpoint('10.0.0.1:80'), endpoint('10.0.0.2:80')];
  const built: { services?: ClusterServices } = {};
  const config = decodeOutlierDetection({ consecutive_5xx: 1, interval: '1s', base_ejection_time: '1s', max_ejection_percent: 50 }, ['outlier_detection'], { strict: true });
  const outlier = new OutlierDetector('c', config, { clock, random: seededRandom(5), onEvent: () => built.services?.refreshHealth() });
  built.services = new ClusterServices(cluster({ slowStart: { windowMs: 1000, aggression: 1, minWeightPercent: 0.1 } }), assignment([locality(hosts)]), {
    clock,
    random: seededRandom(3),
    outlier,
    healthySince: since,
  });
  const ejected = '10.0.0.2:80';
  clock.advance(2000);
  built.services.reportOutcome(hosts[1]!, { kind: 'response', status: 503, headers: () => undefined }, 1);
  assert.ok(outlier.isEjected(ejected));
  assert.equal(tally(() => built.services!.pick({}), 10).get(ejected), undefined, 'ejected: no picks');
  clock.advance(1000);
  assert.equal(outlier.isEjected(ejected), false, 'returned at the next sweep');
  assert.equal(since.get('c', ejected), 0, 'its window still dates from when it was first seen');
  assert.equal(tally(() => built.services!.pick({}), 100).get(ejected), 50, 'back at its full share at once');
  outlier.close();
});
