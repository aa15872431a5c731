// The call's AbortSignal after the response head, against a transport the test drives by hand:
// aborting while a streaming body is still arriving cancels the winning attempt with the reason
// (as WHATWG fetch errors the body); once the body ended, or for a body already complete, it does nothing.
// The loop keeps one listener on the signal, from the call's start until nothing is left to cancel.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { type CallResult, runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import type { AttemptHandler, Transport, UpstreamRequest } from '../../../src/core/call/transport.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { assignment, cluster, endpoints, locality } from '../lb/fixtures.ts';

interface Sent {
  readonly handler: AttemptHandler;
  cancels: (Error | undefined)[];
}

/** Records each send and each cancel; the test answers through the recorded handler. */
class HandTransport implements Transport {
  readonly sends: Sent[] = [];

  send(_request: UpstreamRequest, handler: AttemptHandler) {
    const sent: Sent = { handler, cancels: [] };
    this.sends.push(sent);
    return { cancel: (reason?: Error) => void sent.cancels.push(reason) };
  }
}

function call(signal: AbortSignal): { transport: HandTransport; result: Promise<CallResult> } {
  const clock = new FakeClock();
  const random = seededRandom(1);
  const services = new ClusterServices(cluster({ name: 'svc' }), assignment([locality(endpoints(2))]), { clock, random });
  const transport = new HandTransport();
  const result = runAttempts(
    {
      method: 'GET',
      path: '/',
      authority: 'svc',
      headers: new Map(),
      retry: NO_RETRY_POLICY,
      hedge: undefined,
      backups: undefined,
      timeouts: resolveTimeouts({ provider: {} }),
      bodyReplayable: true,
      requestRetriable: true,
      signal,
    },
    { clock, random, wallNow: () => 0, transport, cluster: services },
  );
  return { transport, result };
}

test('an abort while the body streams cancels the attempt with the reason', async () => {
  const controller = new AbortController();
  const { transport, result } = call(controller.signal);
  transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map(), streaming: true });
  assert.equal((await result).response.status, 200);
  assert.deepEqual(transport.sends[0]!.cancels, [], 'the winner keeps running after the head');
  const reason = new Error('caller gave up');
  controller.abort(reason);
  assert.deepEqual(transport.sends[0]!.cancels, [reason]);
});

test('a body that came whole with its head (bodyInHand) is still cancelled by an abort before its end', async () => {
  const controller = new AbortController();
  const { transport, result } = call(controller.signal);
  transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map(), streaming: true, bodyInHand: true });
  await result;
  const reason = new Error('caller gave up');
  controller.abort(reason);
  assert.deepEqual(transport.sends[0]!.cancels, [reason]);
});

test('an abort after the body ended changes nothing', async () => {
  const controller = new AbortController();
  const { transport, result } = call(controller.signal);
  transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map(), streaming: true });
  await result;
  transport.sends[0]!.handler.onStreamEnd?.();
  controller.abort(new Error('too late'));
  assert.deepEqual(transport.sends[0]!.cancels, []);
});

test('a body the transport does not stream is not watched', async () => {
  const controller = new AbortController();
  const { transport, result } = call(controller.signal);
  transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map() });
  await result;
  controller.abort(new Error('after a complete answer'));
  assert.deepEqual(transport.sends[0]!.cancels, []);
});

test('a reason that is not an Error reaches the transport as one', async () => {
  const controller = new AbortController();
  const { transport, result } = call(controller.signal);
  transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map(), streaming: true });
  await result;
  controller.abort('stop');
  const [reason] = transport.sends[0]!.cancels;
  assert.ok(reason instanceof Error && reason.message === 'stop', String(reason));
});

test('the loop holds one listener on the signal while there is something to cancel, and none after', async () => {
  const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;
  const streamed = new AbortController();
  const streaming = call(streamed.signal);
  assert.equal(listeners(streamed.signal), 1, 'before the head');
  streaming.transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map(), streaming: true });
  await streaming.result;
  assert.equal(listeners(streamed.signal), 1, 'while the body streams');
  streaming.transport.sends[0]!.handler.onStreamEnd?.();
  assert.equal(listeners(streamed.signal), 0, 'after the body ended');

  const whole = new AbortController();
  const complete = call(whole.signal);
  complete.transport.sends[0]!.handler.onResponse({ status: 200, headers: new Map() });
  await complete.result;
  assert.equal(listeners(whole.signal), 0, 'after a complete answer');

  const failed = new AbortController();
  const failing = call(failed.signal);
  failing.transport.sends[0]!.handler.onFailure('reset', 'reset by peer');
  await assert.rejects(failing.result);
  assert.equal(listeners(failed.signal), 0, 'after a failed call');
});
