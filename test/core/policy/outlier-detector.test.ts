// Envoy outlier detection (config.cluster.v3.OutlierDetection; arch overview "Outlier
// detection"): consecutive errors, success rate and failure percentage with their documented
// minimums, the max_ejection_percent cap, enforcing draws, growing and capped ejection times,
// and hosts returning after their time. Fake clock, seeded or scripted random.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_OUTLIER_DETECTION, type OutlierDetectionConfig } from '../../../src/core/model/policy-outlier-detection.ts';
import { type OutlierEvent, OutlierDetector, type OutlierOutcome } from '../../../src/core/policy/outlier-detector.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

function setup(config: Partial<OutlierDetectionConfig> = {}, hosts = 10, random: () => number = seededRandom(1)) {
  const clock = new FakeClock();
  const events: OutlierEvent[] = [];
  const detector = new OutlierDetector('reviews', { ...DEFAULT_OUTLIER_DETECTION, ...config }, { clock, random, onEvent: (e) => events.push(e) });
  const ids = Array.from({ length: hosts }, (_, i) => `h${i}`);
  detector.setHosts(ids);
  const report = (hostId: string, outcome: OutlierOutcome, times = 1) => {
    for (let i = 0; i < times; i++) detector.reportResult(hostId, outcome);
  };
  const ejected = () => ids.filter((id) => detector.isEjected(id));
  return { clock, detector, events, ids, report, ejected };
}

const CONSECUTIVE: { name: string; config: Partial<OutlierDetectionConfig>; outcomes: OutlierOutcome[]; kind: string | undefined }[] = [
  { name: '5 × 500 eject (consecutive_5xx 5)', config: {}, outcomes: [500, 500, 500, 500, 500], kind: 'CONSECUTIVE_5XX' },
  { name: 'a success between resets the count', config: {}, outcomes: [500, 500, 500, 500, 200, 500, 500, 500, 500], kind: undefined },
  { name: '4xx is a success for outlier detection', config: {}, outcomes: [500, 500, 500, 500, 404, 500], kind: undefined },
  { name: '5 × 503: gateway failures are detected, not enforced by default (0%), 5xx ejects', config: {}, outcomes: [503, 503, 503, 503, 503], kind: 'CONSECUTIVE_5XX' },
  {
    name: 'consecutive_gateway_failure with enforcing 100 ejects on 502/503/504',
    config: { consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100 },
    outcomes: [502, 504, 503],
    kind: 'CONSECUTIVE_GATEWAY_FAILURE',
  },
  {
    name: 'a 500 is no gateway failure and resets that count',
    config: { consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100 },
    outcomes: [502, 502, 500, 502],
    kind: undefined,
  },
  {
    name: 'unsplit, local-origin errors count as 503/504',
    config: {},
    outcomes: ['connect-failure', 'timeout', 'reset', 'connect-failure', 'timeout'],
    kind: 'CONSECUTIVE_5XX',
  },
  {
    name: 'split, local-origin errors have their own counter',
    config: { splitExternalLocalOriginErrors: true },
    outcomes: ['connect-failure', 'timeout', 'reset', 'connect-failure', 'timeout'],
    kind: 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE',
  },
  {
    name: 'split, a response (even a 5xx) resets the local-origin count',
    config: { splitExternalLocalOriginErrors: true },
    outcomes: ['timeout', 'timeout', 'timeout', 'timeout', 500, 'timeout'],
    kind: undefined,
  },
  {
    name: 'split, 5xx still eject by consecutive_5xx',
    config: { splitExternalLocalOriginErrors: true, consecutive5xx: 2 },
    outcomes: ['timeout', 500, 'timeout', 500],
    kind: 'CONSECUTIVE_5XX',
  },
  { name: 'consecutive_5xx 0 never ejects', config: { consecutive5xx: 0 }, outcomes: Array(50).fill(500), kind: undefined },
];

for (const { name, config, outcomes, kind } of CONSECUTIVE) {
  test(`consecutive: ${name}`, () => {
    const { detector, events, report } = setup(config);
    for (const outcome of outcomes) report('h0', outcome);
    assert.equal(detector.isEjected('h0'), kind !== undefined);
    assert.deepEqual(
      events.map((e) => (e.type === 'ejected' ? e.kind : e.type)),
      kind === undefined ? [] : [kind],
    );
  });
}

test('detected and enforced are counted apart: gateway failures detected at 0% enforcing', () => {
  const { detector, report } = setup();
  report('h0', 503, 5);
  const { detected, enforced, active } = detector.stats;
  assert.equal(detected.CONSECUTIVE_GATEWAY_FAILURE, 1);
  assert.equal(enforced.CONSECUTIVE_GATEWAY_FAILURE, 0);
  assert.equal(detected.CONSECUTIVE_5XX, 1);
  assert.equal(enforced.CONSECUTIVE_5XX, 1);
  assert.equal(active, 1);
});

test('results for hosts not in the set are ignored; removing an ejected host frees its place', () => {
  const { detector, report, ejected } = setup({}, 10);
  report('gone', 500, 5);
  assert.equal(detector.stats.detected.CONSECUTIVE_5XX, 0);
  report('h0', 500, 5);
  report('h1', 500, 5);
  assert.deepEqual(ejected(), ['h0']);
  detector.setHosts(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9']);
  assert.equal(detector.stats.active, 0);
  report('h1', 500, 5);
  assert.deepEqual(ejected(), ['h1']);
});

// "If no hosts have been ejected, Envoy will eject the host immediately. Otherwise, it checks
// to make sure the number of ejected hosts is below the allowed threshold."
const CAP = [
  { hosts: 10, maxPercent: 10, ejected: 1 },
  { hosts: 20, maxPercent: 10, ejected: 2 },
  { hosts: 15, maxPercent: 10, ejected: 2 },
  { hosts: 3, maxPercent: 10, ejected: 1 },
  { hosts: 10, maxPercent: 0, ejected: 1 },
  { hosts: 4, maxPercent: 50, ejected: 2 },
  { hosts: 4, maxPercent: 100, ejected: 4 },
];

for (const { hosts, maxPercent, ejected: expected } of CAP) {
  test(`cap: ${hosts} hosts, max_ejection_percent ${maxPercent}: ${expected} ejected, the rest overflow`, () => {
    const { detector, ids, report, ejected } = setup({ maxEjectionPercent: maxPercent }, hosts);
    for (const id of ids) report(id, 500, 5);
    assert.equal(ejected().length, expected);
    assert.equal(detector.stats.active, expected);
    assert.equal(detector.stats.overflow, hosts - expected);
  });
}

test('an ejected host returns at the first interval after its ejection time, counters reset', () => {
  const { clock, detector, events, report } = setup();
  clock.advance(1_000);
  report('h0', 500, 5);
  clock.advance(29_000);
  assert.equal(detector.isEjected('h0'), true, 'at the 30 s interval: ejected for 29 s of 30 s');
  clock.advance(10_000);
  assert.equal(clock.now(), 40_000);
  assert.equal(detector.isEjected('h0'), false, 'at the 40 s interval: 39 s ≥ 30 s');
  assert.deepEqual(events.at(-1), { type: 'returned', hostId: 'h0' });
  assert.equal(detector.stats.active, 0);
  report('h0', 500, 4);
  assert.equal(detector.isEjected('h0'), false, 'the count started again at return');
});

test('ejection time grows with each ejection in a row and stops at max_ejection_time', () => {
  const { clock, detector, events, report } = setup();
  const times: number[] = [];
  for (let i = 0; i < 13; i++) {
    report('h0', 500, 5);
    const e = events.at(-1)!;
    assert.equal(e.type, 'ejected');
    times.push(e.type === 'ejected' ? e.ejectionTimeMs : 0);
    const ejectedAt = clock.now();
    while (detector.isEjected('h0')) clock.advance(10_000);
    assert.ok(clock.now() - ejectedAt >= times.at(-1)!);
    assert.ok(clock.now() - ejectedAt < times.at(-1)! + 10_000);
  }
  assert.deepEqual(
    times.map((ms) => ms / 1000),
    [30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300, 300],
  );
});

test('staying healthy brings the ejection time down one step per interval', () => {
  const { clock, detector, events, report } = setup();
  for (let i = 0; i < 3; i++) {
    report('h0', 500, 5);
    while (detector.isEjected('h0')) clock.advance(10_000);
  }
  clock.advance(20_000);
  report('h0', 500, 5);
  const e = events.at(-1)!;
  assert.equal(e.type === 'ejected' && e.ejectionTimeMs, 60_000, 'back-off 3, minus 2 healthy intervals, plus this ejection');
});

test('a base_ejection_time above max_ejection_time is not cut short', () => {
  const { events, report } = setup({ baseEjectionTimeMs: 400_000, maxEjectionTimeMs: 300_000 });
  report('h0', 500, 5);
  const e = events.at(-1)!;
  assert.equal(e.type === 'ejected' && e.ejectionTimeMs, 400_000);
});

test('max_ejection_time_jitter adds a seeded random 0..jitter ms', () => {
  const { events, report } = setup({ maxEjectionTimeJitterMs: 5_000 }, 10, seededRandom(7));
  report('h0', 500, 5);
  const expected = 30_000 + Math.floor(seededRandom(7)() * 5_001);
  const e = events.at(-1)!;
  assert.equal(e.type === 'ejected' && e.ejectionTimeMs, expected);
  assert.notEqual(expected, 30_000);
});

const ENFORCING = [
  { percent: 50, draw: 0.49, ejected: true },
  { percent: 50, draw: 0.5, ejected: false },
  { percent: 100, draw: 0.999, ejected: true },
  { percent: 0, draw: 0, ejected: false },
  { percent: 1, draw: 0.0099, ejected: true },
];

for (const { percent, draw, ejected } of ENFORCING) {
  test(`enforcing_consecutive_5xx ${percent}% with a draw of ${draw}: ${ejected ? 'ejected' : 'detected only'}`, () => {
    const { detector, report } = setup({ enforcingConsecutive5xx: percent }, 10, () => draw);
    report('h0', 500, 5);
    assert.equal(detector.isEjected('h0'), ejected);
    assert.equal(detector.stats.detected.CONSECUTIVE_5XX, 1);
    assert.equal(detector.stats.enforced.CONSECUTIVE_5XX, ejected ? 1 : 0);
  });
}

test('enforcing 30% ejects about 30% of detections over a seeded run', () => {
  const { clock, detector, report } = setup({ enforcingConsecutive5xx: 30 }, 10, seededRandom(42));
  for (let i = 0; i < 1000; i++) {
    report('h0', 500, 5);
    if (detector.isEjected('h0')) while (detector.isEjected('h0')) clock.advance(10_000);
  }
  const { detected, enforced } = detector.stats;
  assert.equal(detected.CONSECUTIVE_5XX, 1000);
  assert.ok(enforced.CONSECUTIVE_5XX > 250 && enforced.CONSECUTIVE_5XX < 350, `${enforced.CONSECUTIVE_5XX} of 1000`);
});

/** Reports `total` results on each host this interval, `failures[i]` of them 500s, then runs the interval. */
function interval(s: ReturnType<typeof setup>, total: number, failures: readonly number[], failure: OutlierOutcome = 500) {
  s.ids.forEach((id, i) => {
    const failed = failures[i] ?? 0;
    for (let k = 0; k < total; k++) s.report(id, k < failed ? failure : 200);
  });
  s.clock.advance(10_000);
}

const NO_CONSECUTIVE = { consecutive5xx: 0, consecutiveGatewayFailure: 0, consecutiveLocalOriginFailure: 0 };

test('success rate: below mean − 1.9 × stdev is ejected at the interval', () => {
  // Rates 100, 100, 100, 100, 50: mean 90, stdev 20, threshold 90 − 38 = 52.
  const s = setup(NO_CONSECUTIVE, 5);
  interval(s, 100, [0, 0, 0, 0, 50]);
  assert.deepEqual(s.ejected(), ['h4']);
  assert.deepEqual(s.events, [{ type: 'ejected', hostId: 'h4', kind: 'SUCCESS_RATE', ejectionTimeMs: 30_000, timesEjected: 1 }]);
});

// Rates 100, 98, 96, 94, x: x = 80 gives mean 93.6, stdev 7.09, threshold 80.13 (ejected);
// x = 85 gives mean 94.6, stdev 5.2, threshold 84.72 (kept).
for (const { last, ejected } of [
  { last: 20, ejected: ['h4'] },
  { last: 15, ejected: [] },
]) {
  test(`success rate: rates 100, 98, 96, 94, ${100 - last}: ${ejected.length > 0 ? 'ejected' : 'kept'}`, () => {
    const s = setup(NO_CONSECUTIVE, 5);
    interval(s, 100, [0, 2, 4, 6, last]);
    assert.deepEqual(s.ejected(), ejected);
  });
}

test('success rate needs success_rate_minimum_hosts (5) hosts with success_rate_request_volume (100)', () => {
  const fewHosts = setup(NO_CONSECUTIVE, 4);
  interval(fewHosts, 100, [0, 0, 0, 60]);
  assert.deepEqual(fewHosts.ejected(), [], '4 hosts');
  const lowVolume = setup(NO_CONSECUTIVE, 5);
  for (const id of lowVolume.ids.slice(0, 4)) lowVolume.report(id, 200, 100);
  lowVolume.report('h4', 200, 49);
  lowVolume.report('h4', 500, 50);
  lowVolume.clock.advance(10_000);
  assert.deepEqual(lowVolume.ejected(), [], 'h4 has 99 requests, so only 4 hosts count');
  assert.equal(lowVolume.detector.stats.detected.SUCCESS_RATE, 0);
});

test('success rate judges the last interval only', () => {
  const s = setup(NO_CONSECUTIVE, 5);
  interval(s, 60, [0, 0, 0, 0, 30]);
  interval(s, 60, [0, 0, 0, 0, 30]);
  assert.deepEqual(s.ejected(), [], 'two intervals of 60 are not one of 100');
});

test('failure percentage is detected but not enforced by default (enforcing 0)', () => {
  const s = setup(NO_CONSECUTIVE, 5);
  interval(s, 50, [0, 0, 0, 0, 45]);
  assert.deepEqual(s.ejected(), []);
  assert.equal(s.detector.stats.detected.FAILURE_PERCENTAGE, 1);
});

const FAILURE_PERCENTAGE = [
  { hosts: 5, volume: 50, failures: [0, 0, 0, 0, 43], ejected: ['h4'], why: '86% ≥ 85%' },
  { hosts: 5, volume: 50, failures: [0, 0, 0, 0, 42], ejected: [], why: '84% < 85%' },
  { hosts: 5, volume: 49, failures: [0, 0, 0, 0, 49], ejected: [], why: 'below failure_percentage_request_volume 50' },
  { hosts: 4, volume: 50, failures: [0, 0, 0, 50], ejected: [], why: 'below failure_percentage_minimum_hosts 5' },
  { hosts: 10, volume: 50, failures: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50], ejected: ['h0'], why: 'all fail: the cap allows one' },
];

for (const { hosts, volume, failures, ejected, why } of FAILURE_PERCENTAGE) {
  test(`failure percentage (enforcing 100): ${why}`, () => {
    const s = setup({ ...NO_CONSECUTIVE, enforcingFailurePercentage: 100 }, hosts);
    interval(s, volume, failures);
    assert.deepEqual(s.ejected(), ejected);
    if (ejected.length > 0) assert.equal(s.detector.stats.enforced.FAILURE_PERCENTAGE, ejected.length);
  });
}

test('split: local-origin failure percentage and success rate use their own counts and enforcing', () => {
  const config = { ...NO_CONSECUTIVE, splitExternalLocalOriginErrors: true, enforcingFailurePercentageLocalOrigin: 100 };
  const s = setup(config, 5);
  interval(s, 100, [0, 0, 0, 0, 90], 'connect-failure');
  assert.deepEqual(s.ejected(), ['h4']);
  const kinds = s.events.map((e) => e.type === 'ejected' && e.kind);
  assert.deepEqual(kinds, ['SUCCESS_RATE_LOCAL_ORIGIN'], 'the success-rate sweep ejects first; the host is not judged twice');
  assert.equal(s.detector.stats.detected.SUCCESS_RATE, 0, 'upstream responses were all fine');
});

test('ejected hosts stay out of the sweep and return by the same clock', () => {
  const s = setup(NO_CONSECUTIVE, 5);
  interval(s, 100, [0, 0, 0, 0, 50]);
  assert.deepEqual(s.ejected(), ['h4']);
  interval(s, 100, [0, 0, 0, 0, 0]);
  interval(s, 100, [0, 0, 0, 0, 0]);
  assert.deepEqual(s.ejected(), ['h4']);
  interval(s, 100, [0, 0, 0, 0, 0]);
  assert.deepEqual(s.ejected(), [], 'returned 30 s after ejection');
});

test('close() stops the interval timer', () => {
  const { clock, detector } = setup();
  assert.equal(clock.pending, 1);
  detector.close();
  assert.equal(clock.pending, 0);
});

test('property: the ejected count never passes the cap plus the one always allowed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.tuple(fc.nat(29), fc.constantFrom<OutlierOutcome>(200, 500, 503, 'timeout'), fc.nat(3)), { maxLength: 300 }),
      (hosts, maxPercent, steps) => {
        const s = setup({ maxEjectionPercent: maxPercent, consecutive5xx: 2 }, hosts);
        for (const [host, outcome, wait] of steps) {
          s.report(`h${host % hosts}`, outcome);
          s.clock.advance(wait * 5_000);
          const active = s.ejected().length;
          assert.equal(active, s.detector.stats.active);
          assert.ok(active <= 1 || (100 * (active - 1)) / hosts < maxPercent, `${active} of ${hosts} at ${maxPercent}%`);
        }
      },
    ),
  );
});
