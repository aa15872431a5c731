// CallAbort, the call's own signal: an AbortSignal's listener semantics without an EventTarget.
import assert from 'node:assert/strict';
import test from 'node:test';
import { CallAbort, type CallSignal } from '../../src/core/call-signal.ts';

test('listeners run once, in the order added, on the first abort; a listener added twice runs once', () => {
  const abort = new CallAbort();
  const heard: string[] = [];
  const first = (): void => void heard.push('first');
  abort.addEventListener('abort', first);
  abort.addEventListener('abort', () => heard.push('second'));
  abort.addEventListener('abort', first);
  abort.abort(new Error('stop'));
  abort.abort(new Error('again'));
  assert.deepEqual(heard, ['first', 'second']);
  assert.equal(abort.aborted, true);
  assert.equal((abort.reason as Error).message, 'stop');
});

test('a removed listener and one added after the abort never run', () => {
  const abort = new CallAbort();
  const heard: string[] = [];
  const removed = (): void => void heard.push('removed');
  abort.addEventListener('abort', removed);
  abort.addEventListener('abort', () => heard.push('kept'));
  abort.removeEventListener('abort', removed);
  abort.abort();
  abort.addEventListener('abort', () => heard.push('late'));
  assert.deepEqual(heard, ['kept']);
});

test('with no reason given, the reason is an AbortError, as AbortController gives', () => {
  const abort = new CallAbort();
  abort.abort();
  assert.ok(abort.reason instanceof DOMException);
  assert.equal((abort.reason as DOMException).name, 'AbortError');
});

test('a listener that throws does not stop the others; its error is thrown again on its own', () => {
  const abort = new CallAbort();
  const heard: string[] = [];
  abort.addEventListener('abort', () => {
    throw new Error('listener failed');
  });
  abort.addEventListener('abort', () => heard.push('after'));
  const rethrown: unknown[] = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (task) => {
    try {
      task();
    } catch (error) {
      rethrown.push(error);
    }
  };
  try {
    abort.abort();
  } finally {
    globalThis.queueMicrotask = original;
  }
  assert.deepEqual(heard, ['after']);
  assert.deepEqual(rethrown.map((error) => (error as Error).message), ['listener failed']);
});

test("an AbortSignal is a CallSignal: the core takes a caller's signal as it is", () => {
  const controller = new AbortController();
  const signal: CallSignal = controller.signal;
  let heard = 0;
  signal.addEventListener('abort', () => heard++, { once: true });
  controller.abort();
  assert.equal(heard, 1);
  assert.equal(signal.aborted, true);
});
