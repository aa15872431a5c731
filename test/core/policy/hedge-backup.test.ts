// Backup requests: static delay, the dynamic delay tracking p(1 − maxExtraLoad) of the window,
// no backup before minSamples, the minimum delay, and the budget gating backups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DynamicBackupConfig } from '../../../src/core/model/policy-hedge.ts';
import { BackupRequests } from '../../../src/core/policy/hedge-backup.ts';
import { BackupBudget } from '../../../src/core/policy/hedge-budget.ts';
import { LatencyHistogram, nearestRank } from '../../../src/core/policy/latency-histogram.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const dynamic = (over: Partial<DynamicBackupConfig> = {}): DynamicBackupConfig => ({
  mode: 'dynamic',
  budget: { maxExtraLoad: 0.05, maxBurst: 10 },
  percentile: 0.95,
  minDelayMs: 1,
  minSamples: 50,
  windowSeconds: 10,
  ...over,
});

test('static: the fixed delay for every request; backups limited only when a budget is set', () => {
  const clock = new FakeClock();
  const unlimited = new BackupRequests({ mode: 'static', delayMs: 40, budget: undefined }, clock);
  assert.equal(unlimited.backupDelay(), 40);
  assert.equal(unlimited.tryStartBackup(), true);
  const limited = new BackupRequests({ mode: 'static', delayMs: 40, budget: { maxExtraLoad: 0.5, maxBurst: 1 } }, clock);
  assert.equal(limited.backupDelay(), 40);
  assert.equal(limited.tryStartBackup(), false);
  limited.backupDelay();
  assert.equal(limited.tryStartBackup(), true);
});

test('dynamic: no backup until minSamples latencies are in the window', () => {
  const clock = new FakeClock();
  const backups = new BackupRequests(dynamic(), clock);
  for (let i = 0; i < 49; i++) backups.recordLatency(10);
  clock.advance(1000);
  assert.equal(backups.backupDelay(), undefined);
  backups.recordLatency(10);
  assert.equal(backups.backupDelay(), undefined, 'the delay is refreshed once per second');
  clock.advance(1000);
  assert.ok(backups.backupDelay() !== undefined);
});

test('dynamic: the delay tracks the p(1 − maxExtraLoad) latency of the samples', () => {
  const random = seededRandom(11);
  for (const maxExtraLoad of [0.01, 0.05, 0.2]) {
    const clock = new FakeClock();
    const backups = new BackupRequests(dynamic({ budget: { maxExtraLoad, maxBurst: 10 }, percentile: 1 - maxExtraLoad }), clock);
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      // Mostly fast, with a long tail.
      const ms = random() < 0.9 ? 5 + random() * 20 : 50 + random() * 950;
      const us = Math.round(ms * 1000);
      samples.push(us / 1000);
      backups.recordLatency(us / 1000);
    }
    clock.advance(1000);
    samples.sort((a, b) => a - b);
    const oracle = samples[nearestRank(1 - maxExtraLoad, samples.length) - 1]!;
    const delay = backups.backupDelay()!;
    assert.ok(delay >= oracle && delay <= oracle * (1 + 1 / 16) + 0.001, `p${1 - maxExtraLoad}: ${delay} vs ${oracle}`);
  }
});

test('dynamic: the delay follows latency changes as old samples leave the window', () => {
  const clock = new FakeClock();
  const backups = new BackupRequests(dynamic({ windowSeconds: 2, minSamples: 10 }), clock);
  for (let i = 0; i < 100; i++) backups.recordLatency(100);
  clock.advance(1000);
  assert.ok(backups.backupDelay()! >= 100);
  for (let i = 0; i < 100; i++) backups.recordLatency(8);
  clock.advance(1000);
  assert.ok(backups.backupDelay()! < 9, 'second 0 left the 2 s window');
});

test('dynamic: the delay is never below min_delay', () => {
  const clock = new FakeClock();
  const backups = new BackupRequests(dynamic({ minDelayMs: 15, minSamples: 1 }), clock);
  for (let i = 0; i < 100; i++) backups.recordLatency(2);
  clock.advance(1000);
  assert.equal(backups.backupDelay(), 15);
});

test('dynamic: an exhausted budget blocks backups and requests refill it', () => {
  const clock = new FakeClock();
  const backups = new BackupRequests(dynamic({ budget: { maxExtraLoad: 0.25, maxBurst: 2 }, minSamples: 1 }), clock);
  backups.recordLatency(10);
  clock.advance(1000);
  for (let i = 0; i < 8; i++) backups.backupDelay();
  assert.equal(backups.tryStartBackup(), true);
  assert.equal(backups.tryStartBackup(), true);
  assert.equal(backups.tryStartBackup(), false, 'burst of 2 spent');
  for (let i = 0; i < 3; i++) backups.backupDelay();
  assert.equal(backups.tryStartBackup(), false, '3 × 0.25 is not a token yet');
  backups.backupDelay();
  assert.equal(backups.tryStartBackup(), true);
  backups.recordBackupWon();
  assert.deepEqual(backups.stats(), { backupsSent: 3n, backupsWon: 1n, budgetDenied: 2n });
});

test('static backups keep no histogram; dynamic ones share theirs through state', () => {
  const clock = new FakeClock();
  assert.equal(new BackupRequests({ mode: 'static', delayMs: 5, budget: undefined }, clock).histogram, undefined);
  const config = dynamic({ minSamples: 2 });
  const shared = {
    histogram: new Int32Array(new SharedArrayBuffer(4 * LatencyHistogram.stateLength(config.windowSeconds))),
    budget: new BigInt64Array(new SharedArrayBuffer(8 * BackupBudget.stateLength)),
  };
  const a = new BackupRequests(config, clock, shared);
  const b = new BackupRequests(config, clock, shared);
  a.recordLatency(30);
  b.recordLatency(30);
  clock.advance(1000);
  assert.ok(a.backupDelay()! >= 30);
  assert.equal(b.histogram!.count(), 2);
});
