// The attempt loop's idle timeouts on the fake clock, against a transport the test drives by hand
// (progress, heads, body end): the route's idle_timeout (Envoy's stream idle timeout) and
// retry_policy.per_try_idle_timeout, before the response head and on a streaming body after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CallPlan, type CallResult, runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { providerTimeouts } from '../../../src/core/call/call-plan.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import type { AttemptHandler, Transport, UpstreamRequest } from '../../../src/core/call/transport.ts';
import { decodeHedgePolicy } from '../../../src/config/decode-hedge-policy.ts';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { MeshError } from '../../../src/core/errors.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { resolveTimeouts, type TimeoutSettings } from '../../../src/core/policy/timeout-resolve.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { assignment, cluster, endpoints, locality } from '../lb/fixtures.ts';

interface Sent {
  readonly request: UpstreamRequest;
  readonly handler: AttemptHandler;
  readonly at: number;
  cancelledAt: number | undefined;
  cancelReason: Error | undefined;
}

/** Records each send; the test answers through the recorded handler. */
class HandTransport implements Transport {
  readonly sends: Sent[] = [];
  readonly #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  send(request: UpstreamRequest, handler: AttemptHandler) {
    const sent: Sent = { request, handler, at: this.#clock.now(), cancelledAt: undefined, cancelReason: undefined };
    this.sends.push(sent);
    return {
      cancel: (reason?: Error) => {
        sent.cancelledAt ??= this.#clock.now();
        sent.cancelReason ??= reason;
      },
    };
  }
}

interface Setup {
  readonly timeouts: TimeoutSettings;
  readonly retry?: object;
  readonly hedge?: object;
}

function idleLoop(setup: Setup) {
  const clock = new FakeClock();
  const random = seededRandom(3);
  const services = new ClusterServices(cluster({ name: 'svc' }), assignment([locality(endpoints(3))]), { clock, random });
  const transport = new HandTransport(clock);
  const retry = setup.retry === undefined ? NO_RETRY_POLICY : decodeRetryPolicy(setup.retry, ['retry_policy'], { strict: true });
  const plan: CallPlan = {
    method: 'GET',
    path: '/',
    authority: 'svc',
    headers: new Map(),
    retry,
    hedge: setup.hedge === undefined ? undefined : decodeHedgePolicy(setup.hedge, ['hedge_policy'], { strict: true }),
    backups: undefined,
    timeouts: resolveTimeouts({ provider: { ...providerTimeouts(undefined, retry), ...setup.timeouts } }),
    bodyReplayable: true,
    requestRetriable: true,
  };
  const settled: Promise<{ result?: CallResult; error?: unknown }> = runAttempts(plan, { clock, random, wallNow: () => 0, transport, cluster: services }).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  return { clock, transport, settled };
}

const head = (streaming = true) => ({ status: 200, headers: new Map<string, string>(), streaming });

test('route idle_timeout: nothing moves before the head, the call fails with SIDELET_TIMEOUT (504) and the attempt is cancelled', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { timeoutMs: 0, idleTimeoutMs: 100 }, retry: { retry_on: 'reset,5xx', num_retries: 3 } });
  clock.advance(99);
  assert.equal(transport.sends[0]!.cancelledAt, undefined);
  clock.advance(1);
  const { error } = await settled;
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT' && error.status === 504, String(error));
  assert.match(String(error), /idle timeout of 100 ms/);
  assert.equal(transport.sends.length, 1, 'the stream idle timeout is never retried');
  assert.equal(transport.sends[0]!.cancelledAt, 100);
  assert.equal(clock.pending, 0);
});

test('route idle_timeout: progress (request bytes going out) keeps the call alive', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { timeoutMs: 0, idleTimeoutMs: 100 } });
  for (let i = 0; i < 10; i++) {
    clock.advance(90);
    transport.sends[0]!.handler.onProgress?.();
  }
  transport.sends[0]!.handler.onResponse(head(false));
  const { result } = await settled;
  assert.equal(result?.response.status, 200);
  assert.equal(clock.now(), 900);
  assert.equal(clock.pending, 0, 'a response without a streaming body leaves no idle timer');
});

test('a route timeout shorter than idle_timeout decides alone before the head', async () => {
  const { clock, settled } = idleLoop({ timeouts: { timeoutMs: 50, idleTimeoutMs: 100 } });
  assert.equal(clock.pending, 1, 'only the route timer');
  clock.advance(50);
  const { error } = await settled;
  assert.match(String(error), /route timeout of 50 ms/);
});

test('after the head, a streaming body that stalls for idle_timeout is cancelled with SIDELET_TIMEOUT', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { timeoutMs: 50, idleTimeoutMs: 100 } });
  clock.advance(10);
  transport.sends[0]!.handler.onResponse(head());
  const { result } = await settled;
  assert.equal(result?.response.status, 200);
  clock.advance(80);
  transport.sends[0]!.handler.onProgress?.();
  clock.advance(99);
  assert.equal(transport.sends[0]!.cancelledAt, undefined, 'the route timeout ended with the head; progress reset the idle time');
  clock.advance(1);
  assert.equal(transport.sends[0]!.cancelledAt, 190);
  const reason = transport.sends[0]!.cancelReason;
  assert.ok(reason instanceof MeshError && reason.code === 'SIDELET_TIMEOUT', String(reason));
  assert.match(reason.message, /idle timeout of 100 ms reached while receiving the response body/);
});

test('a body that ends leaves no idle timer behind', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { idleTimeoutMs: 100, perTryIdleTimeoutMs: 60 } });
  transport.sends[0]!.handler.onResponse(head());
  await settled;
  transport.sends[0]!.handler.onProgress?.();
  transport.sends[0]!.handler.onStreamEnd?.();
  assert.equal(clock.pending, 0);
  clock.advance(1000);
  assert.equal(transport.sends[0]!.cancelledAt, undefined);
});

test('a streaming body whose every byte came with the head (bodyInHand) arms no idle timer', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { idleTimeoutMs: 100, perTryIdleTimeoutMs: 60 } });
  transport.sends[0]!.handler.onResponse({ ...head(), bodyInHand: true });
  await settled;
  assert.equal(clock.pending, 0);
  clock.advance(1000);
  assert.equal(transport.sends[0]!.cancelledAt, undefined);
  transport.sends[0]!.handler.onStreamEnd?.();
  assert.equal(clock.pending, 0);
});

test('per_try_idle_timeout: a stalled attempt fails as a timeout and the retry answers', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { timeoutMs: 0, perTryIdleTimeoutMs: 50 }, retry: { retry_on: 'reset', num_retries: 1 } });
  clock.advance(30);
  transport.sends[0]!.handler.onProgress?.();
  clock.advance(49);
  assert.equal(transport.sends.length, 1);
  clock.advance(1);
  assert.equal(transport.sends[0]!.cancelledAt, 80);
  assert.equal(transport.sends[0]!.cancelReason, undefined, 'before the head the attempt is dropped quietly');
  clock.advance(25);
  assert.equal(transport.sends.length, 2, 'retried after the back-off');
  transport.sends[1]!.handler.onResponse(head(false));
  const { result } = await settled;
  assert.equal(result?.winner, 'retry');
});

test('per_try_idle_timeout without a retry_on that covers it fails the call with SIDELET_TIMEOUT', async () => {
  const { clock, settled } = idleLoop({ timeouts: { timeoutMs: 0, perTryIdleTimeoutMs: 50 } });
  clock.advance(50);
  const { error } = await settled;
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT', String(error));
  assert.match(String(error), /per-try idle timeout of 50 ms reached on/);
});

test('per_try_idle_timeout on the body after the head, when shorter than idle_timeout', async () => {
  const { clock, transport, settled } = idleLoop({ timeouts: { idleTimeoutMs: 500, perTryIdleTimeoutMs: 40 } });
  transport.sends[0]!.handler.onResponse(head());
  await settled;
  clock.advance(40);
  assert.match(String(transport.sends[0]!.cancelReason), /per-try idle timeout of 40 ms reached while receiving the response body/);
});

test('with hedge_on_per_try_timeout a per-try idle timeout hedges once; the stalled attempt keeps running', async () => {
  const { clock, transport, settled } = idleLoop({
    timeouts: { timeoutMs: 0, perTryTimeoutMs: 80, perTryIdleTimeoutMs: 30 },
    retry: { retry_on: 'reset', num_retries: 3 },
    hedge: { hedge_on_per_try_timeout: true },
  });
  clock.advance(30);
  assert.equal(transport.sends.length, 2, 'hedged at the idle timeout');
  clock.advance(50);
  assert.equal(transport.sends.length, 3, 'the hedge itself went idle and hedged; the first attempt does not hedge again at its per-try timeout');
  assert.equal(transport.sends[0]!.cancelledAt, undefined);
  transport.sends[0]!.handler.onResponse(head(false));
  const { result } = await settled;
  assert.equal(result?.winner, 'initial');
  assert.equal(transport.sends[1]!.cancelledAt, 80);
});
