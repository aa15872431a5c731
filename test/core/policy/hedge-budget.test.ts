// The backup budget: deposits of maxExtraLoad per request, one token per backup, the burst cap,
// counters, and one state array shared by two views.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackupBudget } from '../../../src/core/policy/hedge-budget.ts';

test('an empty budget blocks backups; requests refill it at maxExtraLoad per request', () => {
  const budget = new BackupBudget({ maxExtraLoad: 0.1, maxBurst: 10 });
  assert.equal(budget.tryWithdraw(), false);
  for (let i = 0; i < 9; i++) budget.deposit();
  assert.equal(budget.tryWithdraw(), false, '9 requests × 0.1 is less than one backup');
  budget.deposit();
  assert.equal(budget.tryWithdraw(), true);
  assert.equal(budget.tryWithdraw(), false);
  assert.deepEqual(budget.stats(), { backupsSent: 1n, backupsWon: 0n, budgetDenied: 3n });
});

test('backups stay within maxExtraLoad of requests over a long run', () => {
  const budget = new BackupBudget({ maxExtraLoad: 0.05, maxBurst: 10 });
  let sent = 0;
  for (let i = 0; i < 10_000; i++) {
    budget.deposit();
    if (budget.tryWithdraw()) sent++;
  }
  assert.equal(sent, 500);
});

test('the balance never exceeds maxBurst', () => {
  const budget = new BackupBudget({ maxExtraLoad: 0.5, maxBurst: 3 });
  for (let i = 0; i < 100; i++) budget.deposit();
  assert.equal(budget.balance, 3);
  let sent = 0;
  while (budget.tryWithdraw()) sent++;
  assert.equal(sent, 3);
});

test('without a budget every backup is allowed and counted', () => {
  const budget = new BackupBudget(undefined);
  assert.equal(budget.tryWithdraw(), true);
  assert.equal(budget.tryWithdraw(), true);
  budget.recordBackupWon();
  assert.deepEqual(budget.stats(), { backupsSent: 2n, backupsWon: 1n, budgetDenied: 0n });
});

test('two budgets over one state array share tokens and counters', () => {
  const state = new BigInt64Array(new SharedArrayBuffer(BackupBudget.stateLength * 8));
  const a = new BackupBudget({ maxExtraLoad: 0.5, maxBurst: 10 }, state);
  const b = new BackupBudget({ maxExtraLoad: 0.5, maxBurst: 10 }, state);
  a.deposit();
  b.deposit();
  assert.equal(b.tryWithdraw(), true);
  assert.equal(a.tryWithdraw(), false);
  assert.deepEqual(a.stats(), b.stats());
  assert.throws(() => new BackupBudget(undefined, new BigInt64Array(2)), RangeError);
});
