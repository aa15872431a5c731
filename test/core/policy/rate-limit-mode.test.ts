// filter_enabled / filter_enforced: seeded draws land within tolerance of the configured fractions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateLimitMode } from '../../../src/core/policy/rate-limit-mode.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

test('0 % and 100 % never draw', () => {
  const random = () => assert.fail('no draw expected');
  assert.equal(rateLimitMode({ enabledPerMillion: 0, enforcedPerMillion: 1_000_000 }, random), 'off');
  assert.equal(rateLimitMode({ enabledPerMillion: 1_000_000, enforcedPerMillion: 1_000_000 }, random), 'enforce');
  assert.equal(rateLimitMode({ enabledPerMillion: 1_000_000, enforcedPerMillion: 0 }, random), 'shadow');
});

test('enabled 50 %, enforced 20 % of those: off 50 %, shadow 40 %, enforce 10 %', () => {
  const random = seededRandom(42);
  const counts = { off: 0, shadow: 0, enforce: 0 };
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[rateLimitMode({ enabledPerMillion: 500_000, enforcedPerMillion: 200_000 }, random)]++;
  assert.ok(Math.abs(counts.off / n - 0.5) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.shadow / n - 0.4) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.enforce / n - 0.1) < 0.01, JSON.stringify(counts));
});
