// Priority load and panic, checked against the tables in Envoy's docs (priority levels and
// panic threshold), overprovisioning factor 1.4, panic threshold 50%.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPriorityLevels, choosePriority, computePriorityLoad, priorityHealth } from '../../../src/core/lb/priority-set.ts';
import { endpoints, locality } from './fixtures.ts';

/** Levels of 100 hosts each with the given healthy percentages. */
const levels = (healthy: readonly number[]) => healthy.map((h) => ({ healthy: h, total: 100 }));

const twoLevels = [
  // P=1 100% healthy.
  { healthy: [100, 100], load: [100, 0] },
  { healthy: [72, 100], load: [100, 0] },
  { healthy: [71, 100], load: [99, 1] },
  { healthy: [50, 100], load: [70, 30] },
  { healthy: [25, 100], load: [35, 65] },
  { healthy: [0, 100], load: [0, 100] },
  // Both levels degrading.
  { healthy: [72, 72], load: [100, 0] },
  { healthy: [71, 71], load: [99, 1] },
  { healthy: [50, 50], load: [70, 30] },
  { healthy: [25, 25], load: [50, 50] },
];
const threeLevels = [
  { healthy: [100, 100, 100], load: [100, 0, 0] },
  { healthy: [72, 72, 100], load: [100, 0, 0] },
  { healthy: [71, 71, 100], load: [99, 1, 0] },
  { healthy: [50, 50, 100], load: [70, 30, 0] },
  { healthy: [25, 100, 100], load: [35, 65, 0] },
  { healthy: [25, 25, 100], load: [35, 35, 30] },
  { healthy: [25, 25, 20], load: [36, 36, 28] },
];
for (const { healthy, load } of [...twoLevels, ...threeLevels]) {
  test(`priority load for ${healthy.join('% / ')}%: ${load.join('% / ')}%`, () => {
    // The priority-level tables leave panic aside (threshold 0); the panic table follows.
    assert.deepEqual(computePriorityLoad(levels(healthy), 140, 0).load, load);
  });
}

test('normalised total health under 100 scales the levels: health {20, 30} → {40%, 60%}', () => {
  // 20 / 1.4 and 30 / 1.4 healthy: health 20 and 30 (panic disabled to see the scaling alone).
  assert.deepEqual(computePriorityLoad([{ healthy: 1, total: 7 }, { healthy: 3, total: 14 }], 140, 0).load, [40, 60]);
});

const panicTable = [
  { healthy: [72, 72], load: [100, 0], panic: [false, false] },
  { healthy: [71, 71], load: [99, 1], panic: [false, false] },
  // Normalised total health is 100: panic is disregarded.
  { healthy: [50, 60], load: [70, 30], panic: [false, false] },
  { healthy: [25, 100], load: [35, 65], panic: [false, false] },
  // Every level in panic: load follows host counts.
  { healthy: [25, 25], load: [50, 50], panic: [true, true] },
  { healthy: [5, 65], load: [7, 93], panic: [true, false] },
];
for (const { healthy, load, panic } of panicTable) {
  test(`panic for ${healthy.join('% / ')}%: load ${load.join('/')}, panic ${panic.join('/')}`, () => {
    assert.deepEqual(computePriorityLoad(levels(healthy), 140, 50), { load, panic });
  });
}

test('total panic divides load by host counts', () => {
  assert.deepEqual(computePriorityLoad([{ healthy: 0, total: 3 }, { healthy: 0, total: 1 }], 140, 50), { load: [75, 25], panic: [true, true] });
});

test('panic threshold 0 disables panic; with no healthy host all load stays on P=0', () => {
  assert.deepEqual(computePriorityLoad(levels([0, 0]), 140, 0), { load: [100, 0], panic: [false, false] });
  assert.deepEqual(computePriorityLoad(levels([10]), 140, 0), { load: [100], panic: [false] });
});

test('health is the healthy share × overprovisioning, floored, capped at 100', () => {
  assert.equal(priorityHealth(71, 100, 140), 99);
  assert.equal(priorityHealth(72, 100, 140), 100);
  assert.equal(priorityHealth(1, 3, 140), 46);
  assert.equal(priorityHealth(1, 2, 100), 50);
  assert.equal(priorityHealth(0, 0, 140), 0);
});

test('choosePriority maps a percentage onto the load bands', () => {
  assert.deepEqual(
    [0, 69.9, 70, 99.9].map((p) => choosePriority([70, 30], p)),
    [0, 0, 1, 1],
  );
  assert.equal(choosePriority([0, 0, 100], 0), 2);
});

test('levels group localities by priority, empty priorities included', () => {
  const built = buildPriorityLevels([locality(endpoints(2), { priority: 2 }), locality(endpoints(1, { health: 'UNHEALTHY' }, 5), { priority: 0 })]);
  assert.deepEqual(
    built.map((l) => [l.hosts.length, l.healthyHosts.length, l.localities.length]),
    [
      [1, 0, 1],
      [0, 0, 0],
      [2, 2, 1],
    ],
  );
});
