// The limiter's waiting room: highest priority first, FIFO within one, removal anywhere, shedding from the bottom.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PriorityQueue } from '../../../src/core/policy/priority-queue.ts';

function drainAll(q: PriorityQueue<string>): string[] {
  const out: string[] = [];
  for (let head = q.peek(); head !== undefined; head = q.peek()) {
    out.push(head.value);
    q.remove(head);
  }
  return out;
}

test('serves the highest priority first and FIFO within a priority', () => {
  const q = new PriorityQueue<string>();
  q.push(0, 'low-1');
  q.push(5, 'high-1');
  q.push(-3, 'lowest-1');
  q.push(0, 'low-2');
  q.push(5, 'high-2');
  assert.equal(q.size, 5);
  assert.equal(q.countAtOrAbove(5), 2);
  assert.equal(q.countAtOrAbove(0), 4);
  assert.equal(q.countAtOrAbove(1), 2);
  assert.deepEqual([...q.heads()].map((n) => n.value), ['high-1', 'low-1', 'lowest-1']);
  assert.deepEqual(drainAll(q), ['high-1', 'high-2', 'low-1', 'low-2', 'lowest-1']);
  assert.equal(q.size, 0);
});

test('removes from the middle once; the newest of the lowest priority is the one to shed', () => {
  const q = new PriorityQueue<string>();
  const a = q.push(1, 'a');
  const b = q.push(1, 'b');
  q.push(1, 'c');
  q.push(0, 'd');
  const e = q.push(0, 'e');
  assert.equal(q.peekLowest(), e);
  assert.equal(q.remove(b), true);
  assert.equal(q.remove(b), false);
  q.remove(e);
  assert.equal(q.peekLowest()?.value, 'd');
  q.remove(a);
  assert.deepEqual(drainAll(q), ['c', 'd']);
  assert.equal(q.peekLowest(), undefined);
});
