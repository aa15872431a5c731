// The fake clock itself: timers fire in due order as time advances, cancelled ones never.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './fake-clock.ts';

test('timers fire in due order, ties in scheduling order, cancelled never', () => {
  const clock = new FakeClock(100);
  const fired: string[] = [];
  clock.schedule(20, () => fired.push(`b@${clock.now()}`));
  clock.schedule(10, () => fired.push(`a@${clock.now()}`));
  clock.schedule(20, () => fired.push(`c@${clock.now()}`));
  clock.schedule(15, () => fired.push('never')).cancel();
  clock.schedule(5, () => clock.schedule(5, () => fired.push(`nested@${clock.now()}`)));
  clock.advance(19);
  assert.deepEqual(fired, ['a@110', 'nested@110']);
  clock.advance(1);
  assert.deepEqual(fired, ['a@110', 'nested@110', 'b@120', 'c@120']);
  assert.equal(clock.now(), 120);
  assert.equal(clock.pending, 0);
});
