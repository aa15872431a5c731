// Timeout resolution: per-call > caller > provider > default, 0 disabling, and Envoy's
// max_stream_duration / grpc-timeout rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_ROUTE_TIMEOUT_MS, resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';

test('defaults: 15 s route timeout, Envoy stream idle timeout, no per-try timeouts', () => {
  assert.deepEqual(resolveTimeouts({}), {
    totalMs: DEFAULT_ROUTE_TIMEOUT_MS,
    totalSource: 'default',
    perTryMs: undefined,
    perTryIdleMs: undefined,
    idleMs: DEFAULT_IDLE_TIMEOUT_MS,
  });
  assert.equal(DEFAULT_ROUTE_TIMEOUT_MS, 15_000);
});

const precedence: [string, Parameters<typeof resolveTimeouts>[0], number | undefined, string][] = [
  ['provider over default', { provider: { timeoutMs: 3000 } }, 3000, 'provider'],
  ['caller over provider', { caller: { timeoutMs: 2000 }, provider: { timeoutMs: 3000 } }, 2000, 'caller'],
  ['call over caller and provider', { call: { timeoutMs: 1000 }, caller: { timeoutMs: 2000 }, provider: { timeoutMs: 3000 } }, 1000, 'call'],
  ['a call may lengthen the route timeout', { call: { timeoutMs: 60_000 }, provider: { timeoutMs: 3000 } }, 60_000, 'call'],
  ['an absent field defers to the next layer', { call: { perTryTimeoutMs: 5 }, caller: { timeoutMs: 2000 } }, 2000, 'caller'],
  ['provider 0 disables the default', { provider: { timeoutMs: 0 } }, undefined, 'provider'],
  ['call 0 disables the route timeout', { call: { timeoutMs: 0 }, provider: { timeoutMs: 3000 } }, undefined, 'call'],
];

for (const [name, layers, total, source] of precedence) {
  test(`route timeout: ${name}`, () => {
    const t = resolveTimeouts(layers);
    assert.equal(t.totalMs, total);
    assert.equal(t.totalSource, source);
  });
}

test('per-try, per-try idle and idle timeouts follow the same precedence', () => {
  const t = resolveTimeouts({
    call: { perTryTimeoutMs: 100 },
    caller: { perTryTimeoutMs: 200, perTryIdleTimeoutMs: 50 },
    provider: { perTryTimeoutMs: 300, perTryIdleTimeoutMs: 60, idleTimeoutMs: 0 },
  });
  assert.equal(t.perTryMs, 100);
  assert.equal(t.perTryIdleMs, 50);
  assert.equal(t.idleMs, undefined);
});

const grpcMax = (max: number, offset?: number) => ({ maxStreamDurationMs: undefined, grpcTimeoutHeaderMaxMs: max, grpcTimeoutHeaderOffsetMs: offset });

test('grpc-timeout is honoured only when grpc_timeout_header_max is set', () => {
  assert.equal(resolveTimeouts({ provider: { timeoutMs: 0 } }, '2S').totalMs, undefined);
  const t = resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: grpcMax(10_000) }, '2S');
  assert.equal(t.totalMs, 2000);
  assert.equal(t.totalSource, 'grpc-timeout');
});

test('grpc-timeout is capped by grpc_timeout_header_max; 0 means uncapped', () => {
  assert.equal(resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: grpcMax(1000) }, '5S').totalMs, 1000);
  assert.equal(resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: grpcMax(0) }, '5M').totalMs, 300_000);
});

test('grpc_timeout_header_offset is subtracted; at or below zero the request is already expired', () => {
  assert.equal(resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: grpcMax(0, 50) }, '200m').totalMs, 150);
  assert.equal(resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: grpcMax(0, 500) }, '200m').totalMs, 0);
});

test('the tighter of the route timeout and the stream limit wins, whichever layer set the route timeout', () => {
  const layers = { provider: { timeoutMs: 3000 }, maxStreamDuration: grpcMax(0) };
  assert.equal(resolveTimeouts(layers, '1S').totalMs, 1000);
  assert.deepEqual([resolveTimeouts(layers, '10S').totalMs, resolveTimeouts(layers, '10S').totalSource], [3000, 'provider']);
  assert.equal(resolveTimeouts({ ...layers, call: { timeoutMs: 60_000 } }, '1S').totalMs, 1000, 'a per-call override does not lift the client deadline');
});

test('without a usable grpc-timeout, max_stream_duration applies', () => {
  const msd = { maxStreamDurationMs: 800, grpcTimeoutHeaderMaxMs: 0, grpcTimeoutHeaderOffsetMs: undefined };
  const t = resolveTimeouts({ provider: { timeoutMs: 0 }, maxStreamDuration: msd }, 'soon');
  assert.deepEqual([t.totalMs, t.totalSource], [800, 'max-stream-duration']);
  assert.equal(resolveTimeouts({ maxStreamDuration: { ...msd, maxStreamDurationMs: 0 } }).totalMs, DEFAULT_ROUTE_TIMEOUT_MS);
});
