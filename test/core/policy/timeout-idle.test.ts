// The idle timer on the fake clock: fires once after its time without a touch, touches push it
// back without re-arming a timer each, and a stopped timer never fires.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleTimer } from '../../../src/core/policy/timeout-idle.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('fires once, `ms` after the last touch', () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  const timer = new IdleTimer(clock, 100, () => fired.push(clock.now()));
  clock.advance(60);
  timer.touch();
  clock.advance(60);
  timer.touch();
  assert.equal(clock.pending, 1, 'one timer, re-armed only when it falls due');
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [220]);
  clock.advance(1000);
  assert.deepEqual(fired, [220], 'once');
  assert.equal(clock.pending, 0);
});

test('a stopped timer never fires and leaves nothing scheduled', () => {
  const clock = new FakeClock();
  let fired = false;
  const timer = new IdleTimer(clock, 50, () => (fired = true));
  timer.stop();
  timer.touch();
  clock.advance(500);
  assert.equal(fired, false);
  assert.equal(clock.pending, 0);
});
