// Locality-weighted picks against Envoy's docs table: X weight 1, Y weight 2 (100% healthy),
// overprovisioning factor 1.4.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalityPicker, localityEffectiveWeight } from '../../../src/core/lb/locality-picker.ts';
import { endpoints, locality } from './fixtures.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

/** A locality of 100 hosts, `healthy` of them healthy. */
const zone = (zone: string, weight: number, healthy: number) =>
  locality([...endpoints(healthy), ...endpoints(100 - healthy, { health: 'UNHEALTHY' }, healthy)], { zone, weight });

const table = [
  { xHealthy: 100, x: 33, y: 67 },
  { xHealthy: 70, x: 33, y: 67 },
  { xHealthy: 69, x: 32, y: 68 },
  { xHealthy: 50, x: 26, y: 74 },
  { xHealthy: 25, x: 15, y: 85 },
  { xHealthy: 0, x: 0, y: 100 },
];
for (const { xHealthy, x, y } of table) {
  test(`X ${xHealthy}% healthy: X gets ${x}%, Y ${y}%`, () => {
    const picker = new LocalityPicker([zone('x', 1, xHealthy), zone('y', 2, 100)], 140, seededRandom(1));
    const n = 30_000;
    let toX = 0;
    for (let i = 0; i < n; i++) if (picker.pick() === 0) toX++;
    // The docs give whole percents (rounded either way); EDF shares are exact to within a pick.
    assert.ok(Math.abs(toX / n - x / 100) < 0.01, `${toX}`);
    assert.ok(Math.abs((n - toX) / n - y / 100) < 0.01, `${n - toX}`);
  });
}

test('effective weight: weight × min(1, 1.4 × healthy share); empty or weightless localities get none', () => {
  assert.equal(localityEffectiveWeight(zone('a', 2, 50), 140), 1.4);
  assert.equal(localityEffectiveWeight(zone('a', 3, 100), 140), 3);
  assert.equal(localityEffectiveWeight(zone('a', 0, 100), 140), 0);
  assert.equal(localityEffectiveWeight(locality([], { weight: 5 }), 140), 0);
});

test('no locality with effective weight: no pick', () => {
  assert.equal(new LocalityPicker([zone('a', 0, 100), zone('b', 1, 0)], 140, seededRandom(2)).pick(), undefined);
});
