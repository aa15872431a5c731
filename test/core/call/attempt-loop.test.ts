// The attempt loop on simulated upstreams and the fake clock: retries with back-off and host
// avoidance, budgets, per-try and route timeouts, hedging, backup requests, aborts and failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { backupRequests, loop } from './fixtures.ts';

const ok = (after = 1) => ({ after, status: 200 });

test('a good first answer wins with one attempt', async () => {
  const { clock, transport, settled } = loop({ script: () => ok(5) });
  clock.advance(5);
  const { result } = await settled;
  assert.equal(result?.response.status, 200);
  assert.equal(result?.attempts, 1);
  assert.equal(transport.sends.length, 1);
});

test('a 503 is retried on another host after the back-off, and the retry wins', async () => {
  const { clock, transport, settled } = loop({
    retry: { retry_on: '5xx', num_retries: 2, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }] },
    script: (_, i) => (i === 0 ? { after: 1, status: 503 } : ok(1)),
  });
  clock.advance(1);
  assert.equal(transport.sends.length, 1, 'the retry waits for its back-off');
  clock.advance(25);
  clock.advance(1);
  const { result } = await settled;
  assert.equal(result?.response.status, 200);
  assert.equal(result?.winner, 'retry');
  assert.equal(transport.sends.length, 2);
  assert.notEqual(transport.hosts[0], transport.hosts[1], 'previous_hosts: the retry avoids the host that failed');
  assert.ok(transport.sends[1]!.at - transport.sends[0]!.answeredAt! < 25, 'full jitter: the first back-off is under base_interval');
  assert.equal(transport.sends[1]!.request.attempt, 2);
  assert.equal(transport.sends[0]!.cancelledAt, 1, 'the retried 503 is dropped at once, its body cancelled');
});

test('retries stop at num_retries and the last upstream answer is returned', async () => {
  const { clock, transport, settled } = loop({ retry: { retry_on: '5xx', num_retries: 2 }, script: () => ({ after: 1, status: 503 }) });
  clock.advance(1000);
  const { result } = await settled;
  assert.equal(result?.response.status, 503);
  assert.equal(transport.sends.length, 3);
  assert.deepEqual(transport.sends.map((s) => s.cancelledAt !== undefined), [true, true, false], 'only the returned answer keeps its body');
});

test('the retry budget caps retries: an exhausted budget returns the failing answer', async () => {
  const { clock, transport, settled } = loop({
    retry: { retry_on: '5xx', num_retries: 5 },
    circuitBreakers: { thresholds: [{ priority: 'DEFAULT', max_retries: 0 }] },
    script: () => ({ after: 1, status: 503 }),
  });
  clock.advance(1000);
  const { result } = await settled;
  assert.equal(result?.response.status, 503);
  assert.equal(transport.sends.length, 1);
});

test('a body that cannot be replayed is never retried', async () => {
  const { clock, transport, settled } = loop({ retry: { retry_on: 'reset', num_retries: 3 }, bodyReplayable: false, script: () => ({ after: 1, failure: 'reset' }) });
  clock.advance(100);
  const { error } = await settled;
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_UPSTREAM_RESET', String(error));
  assert.equal(transport.sends.length, 1);
});

test('a non-retriable answer is returned as it is, without a retry', async () => {
  const { clock, transport, settled } = loop({ retry: { retry_on: '5xx', num_retries: 3 }, script: () => ({ after: 1, status: 404 }) });
  clock.advance(1);
  assert.equal((await settled).result?.response.status, 404);
  assert.equal(transport.sends.length, 1);
});

test('a per-try timeout cancels the attempt and retries it', async () => {
  const { clock, transport, settled } = loop({
    retry: { retry_on: 'reset', num_retries: 1, per_try_timeout: '0.1s' },
    script: (_, i) => (i === 0 ? 'hang' : ok(5)),
  });
  clock.advance(100);
  assert.equal(transport.sends[0]!.cancelledAt, 100);
  clock.advance(100);
  const { result } = await settled;
  assert.equal(result?.response.status, 200);
  assert.equal(transport.sends.length, 2);
});

test('hedge_on_per_try_timeout keeps the slow attempt; the first good answer wins and the loser is cancelled', async () => {
  const { clock, transport, settled } = loop({
    retry: { retry_on: '5xx', num_retries: 1, per_try_timeout: '0.05s' },
    hedge: { hedge_on_per_try_timeout: true },
    script: (_, i) => (i === 0 ? ok(60) : ok(100)),
  });
  clock.advance(50);
  assert.equal(transport.sends.length, 2, 'a hedge starts at the per-try timeout');
  assert.equal(transport.sends[0]!.cancelledAt, undefined, 'the slow attempt keeps running');
  clock.advance(10);
  const { result } = await settled;
  assert.equal(result?.winner, 'initial');
  assert.equal(transport.sends[1]!.cancelledAt, 60, 'the losing hedge is cancelled');
});

test('a static backup request beats a slow primary on another host; the primary is cancelled', async () => {
  const clock = new FakeClock();
  const backups = backupRequests({ static: { delay: '0.02s' } }, clock);
  const { transport, settled } = loop({ script: (_, i) => (i === 0 ? ok(500) : ok(3)) }, clock, backups);
  clock.advance(19);
  assert.equal(transport.sends.length, 1);
  clock.advance(1);
  assert.equal(transport.sends.length, 2);
  assert.notEqual(transport.hosts[1], transport.hosts[0]);
  clock.advance(3);
  const { result } = await settled;
  assert.equal(result?.winner, 'backup');
  assert.equal(transport.sends[0]!.cancelledAt, 23);
  assert.equal(backups.stats().backupsWon, 1n);
  assert.equal(backups.stats().backupsSent, 1n);
});

test('no backup is sent when the primary answers before the delay', async () => {
  const clock = new FakeClock();
  const backups = backupRequests({ static: { delay: '0.02s' } }, clock);
  const { transport, settled } = loop({ script: () => ok(10) }, clock, backups);
  clock.advance(100);
  assert.equal((await settled).result?.winner, 'initial');
  assert.equal(transport.sends.length, 1);
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('the route timeout fails the call and cancels every attempt', async () => {
  const { clock, transport, settled } = loop({ timeouts: { timeoutMs: 300 }, script: () => 'hang' });
  clock.advance(300);
  const { error } = await settled;
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT' && error.status === 504, String(error));
  assert.equal(transport.sends[0]!.cancelledAt, 300);
});

test('an abort rejects with the signal reason and cancels the upstream attempt', async () => {
  const controller = new AbortController();
  const { clock, transport, settled } = loop({ signal: controller.signal, script: () => 'hang' });
  clock.advance(10);
  controller.abort(new Error('caller gave up'));
  const { error } = await settled;
  assert.equal((error as Error).message, 'caller gave up');
  assert.equal(transport.sends[0]!.cancelledAt, 10);
});

test('failures map to typed errors: connect failure, overflow, no healthy upstream', async () => {
  const connect = loop({ script: () => ({ after: 1, failure: 'connect-failure' }) });
  connect.clock.advance(1);
  assert.equal(((await connect.settled).error as MeshError).code, 'SIDELET_CONNECT_FAILURE');

  const overflow = loop({ circuitBreakers: { thresholds: [{ priority: 'DEFAULT', max_requests: 0 }] }, script: () => ok() });
  const overflowError = (await overflow.settled).error as MeshError;
  assert.equal(overflowError.code, 'SIDELET_UPSTREAM_OVERFLOW');
  assert.equal(overflow.transport.sends.length, 0);

  const none = loop({ hosts: 0, script: () => ok() });
  assert.equal(((await none.settled).error as MeshError).code, 'SIDELET_NO_HEALTHY_UPSTREAM');
});
