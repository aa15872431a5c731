// Decoding health_checks (config.core.v3.HealthCheck): required fields, Envoy's interval
// defaults, HTTP and TCP checkers, and one precise error per mistake; gRPC refused when strict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCluster } from '../../src/config/decode-cluster.ts';
import { decodeHealthCheck, decodeHealthChecks } from '../../src/config/decode-health-checks.ts';
import { ConfigError } from '../../src/core/errors.ts';

const PATH = ['clusters', 0, 'health_checks'];
const STRICT = { strict: true };
const LOOSE = { strict: false };
const BASE = { timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 2 };

function error(value: unknown, options = STRICT): string {
  try {
    decodeHealthChecks(value, PATH, options);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

test('an HTTP check with only the required fields takes Envoy defaults', () => {
  const [check] = decodeHealthChecks([{ ...BASE, http_health_check: { path: '/healthz' } }], PATH, STRICT);
  assert.deepEqual(check, {
    timeoutMs: 1000,
    intervalMs: 5000,
    initialJitterMs: 0,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
    reuseConnection: true,
    noTrafficIntervalMs: undefined,
    noTrafficHealthyIntervalMs: undefined,
    unhealthyIntervalMs: 5000,
    unhealthyEdgeIntervalMs: 5000,
    healthyEdgeIntervalMs: 5000,
    checker: {
      kind: 'http',
      path: '/healthz',
      host: undefined,
      method: 'GET',
      expectedStatuses: [{ start: 200, end: 201 }],
      retriableStatuses: [],
      headers: { add: [], remove: [] },
    },
  });
});

test('every field, by proto name, JSON name and wrapper', () => {
  const check = decodeHealthCheck(
    {
      timeout: '0.5s',
      interval: { seconds: 2 },
      initialJitter: '0.1s',
      interval_jitter: '0.2s',
      interval_jitter_percent: 10,
      unhealthy_threshold: { value: 4 },
      healthyThreshold: { value: 1 },
      reuse_connection: { value: false },
      no_traffic_interval: '60s',
      no_traffic_healthy_interval: '120s',
      unhealthy_interval: '10s',
      healthy_edge_interval: '1s',
      event_log_path: '/dev/null',
      httpHealthCheck: {
        path: '/ready',
        host: 'svc.internal',
        method: 'HEAD',
        expected_statuses: [{ start: 200, end: 300 }],
        retriable_statuses: [{ start: 503, end: 504 }],
        request_headers_to_add: [{ header: { key: 'X-Probe', value: '1' } }],
        request_headers_to_remove: ['user-agent'],
      },
    },
    PATH,
    STRICT,
  )!;
  assert.equal(check.timeoutMs, 500);
  assert.equal(check.intervalMs, 2000);
  assert.equal(check.initialJitterMs, 100);
  assert.equal(check.intervalJitterMs, 200);
  assert.equal(check.intervalJitterPercent, 10);
  assert.equal(check.unhealthyThreshold, 4);
  assert.equal(check.healthyThreshold, 1);
  assert.equal(check.reuseConnection, false);
  assert.equal(check.noTrafficIntervalMs, 60_000);
  assert.equal(check.noTrafficHealthyIntervalMs, 120_000);
  assert.equal(check.unhealthyIntervalMs, 10_000);
  assert.equal(check.unhealthyEdgeIntervalMs, 10_000, 'defaults to unhealthy_interval');
  assert.equal(check.healthyEdgeIntervalMs, 1000);
  assert.deepEqual(check.checker, {
    kind: 'http',
    path: '/ready',
    host: 'svc.internal',
    method: 'HEAD',
    expectedStatuses: [{ start: 200, end: 300 }],
    retriableStatuses: [{ start: 503, end: 504 }],
    headers: { add: [{ key: 'x-probe', value: '1', appendAction: 'APPEND_IF_EXISTS_OR_ADD' }], remove: ['user-agent'] },
  });
});

test('a TCP check is connect-only; an enum given as a number decodes', () => {
  const [tcp, http] = decodeHealthChecks([{ ...BASE, tcp_health_check: { receive: [] } }, { ...BASE, http_health_check: { path: '/', method: 3 } }], PATH, STRICT);
  assert.deepEqual(tcp!.checker, { kind: 'tcp' });
  assert.equal(http!.checker.kind === 'http' && http!.checker.method, 'POST');
});

test('precise errors', () => {
  const cases: [unknown, string][] = [
    [{}, 'clusters[0].health_checks: expected a list, got an object'],
    [[{ ...BASE }], 'clusters[0].health_checks[0]: one of http_health_check, tcp_health_check, grpc_health_check, custom_health_check is required'],
    [[{ ...BASE, tcp_health_check: {}, http_health_check: { path: '/' } }], 'clusters[0].health_checks[0]: only one health checker may be set, found http_health_check and tcp_health_check'],
    [[{ ...BASE, timeout: undefined, tcp_health_check: {} }], 'clusters[0].health_checks[0].timeout: required, a positive duration'],
    [[{ ...BASE, interval: '0s', tcp_health_check: {} }], 'clusters[0].health_checks[0].interval: must be a positive duration'],
    [[{ ...BASE, unhealthy_threshold: undefined, tcp_health_check: {} }], 'clusters[0].health_checks[0].unhealthy_threshold: required, an integer of at least 1'],
    [[{ ...BASE, healthy_threshold: 0, tcp_health_check: {} }], 'clusters[0].health_checks[0].healthy_threshold: must be at least 1, got 0'],
    [[{ ...BASE, unhealthy_edge_interval: '0s', tcp_health_check: {} }], 'clusters[0].health_checks[0].unhealthy_edge_interval: must be a positive duration'],
    [[{ ...BASE, grpc_health_check: {} }], 'clusters[0].health_checks[0].grpc_health_check: grpc_health_check is not supported; use http_health_check or tcp_health_check'],
    [[{ ...BASE, custom_health_check: { name: 'x' } }], 'clusters[0].health_checks[0].custom_health_check: custom_health_check is not supported; use http_health_check or tcp_health_check'],
    [[{ ...BASE, http_health_check: {} }], 'clusters[0].health_checks[0].http_health_check.path: required, must be a non-empty string'],
    [[{ ...BASE, http_health_check: { path: 'healthz' } }], 'clusters[0].health_checks[0].http_health_check.path: must start with "/", got "healthz"'],
    [[{ ...BASE, http_health_check: { path: '/', method: 'CONNECT' } }], 'clusters[0].health_checks[0].http_health_check.method: CONNECT cannot be used for health checks'],
    [[{ ...BASE, http_health_check: { path: '/', codec_client_type: 'HTTP2' } }], 'clusters[0].health_checks[0].http_health_check.codec_client_type: only HTTP1 health checks are supported'],
    [[{ ...BASE, http_health_check: { path: '/', expected_statuses: [{ start: 300, end: 200 }] } }], 'clusters[0].health_checks[0].http_health_check.expected_statuses[0].end: must be above start 300 (the range is half-open), got 200'],
    [[{ ...BASE, http_health_check: { path: '/', expected_statuses: [{ start: 99, end: 200 }] } }], 'clusters[0].health_checks[0].http_health_check.expected_statuses[0].start: must be at least 100, got 99'],
    [[{ ...BASE, http_health_check: { path: '/', retriable_statuses: [{ start: 500 }] } }], 'clusters[0].health_checks[0].http_health_check.retriable_statuses[0].end: required'],
    [[{ ...BASE, http_health_check: { path: '/', service_name_matcher: { exact: 'x' } } }], 'clusters[0].health_checks[0].http_health_check.service_name_matcher: not supported by sidelet health checks'],
    [[{ ...BASE, tcp_health_check: { send: { text: '00' } } }], 'clusters[0].health_checks[0].tcp_health_check.send: payload checks are not supported; tcp_health_check is connect-only'],
    [[{ ...BASE, tcp_health_check: { receive: [{ text: '01' }] } }], 'clusters[0].health_checks[0].tcp_health_check.receive: payload checks are not supported; tcp_health_check is connect-only'],
    [[{ ...BASE, tcp_health_check: {}, intervall: '1s' }], 'clusters[0].health_checks[0].intervall: unknown field'],
  ];
  for (const [value, message] of cases) assert.equal(error(value), message);
});

test('from xDS (not strict), gRPC and custom checks are left out and payloads are checked by connect alone', () => {
  const checks = decodeHealthChecks(
    [
      { ...BASE, grpc_health_check: {} },
      { ...BASE, tcp_health_check: { send: { text: '00' }, receive: [{ text: '01' }] } },
      { ...BASE, custom_health_check: { name: 'x' } },
    ],
    PATH,
    LOOSE,
  );
  assert.deepEqual(
    checks.map((c) => c.checker),
    [{ kind: 'tcp' }],
  );
});

test('a cluster decodes its health_checks, and none is an empty list', () => {
  const cluster = {
    name: 'reviews',
    type: 'STATIC',
    load_assignment: { cluster_name: 'reviews', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } }] }] },
  };
  assert.deepEqual(decodeCluster(cluster, ['clusters', 0], STRICT).healthChecks, []);
  const checked = decodeCluster({ ...cluster, health_checks: [{ ...BASE, tcp_health_check: {} }] }, ['clusters', 0], STRICT);
  assert.equal(checked.healthChecks.length, 1);
  assert.throws(() => decodeCluster({ ...cluster, health_checks: [{ ...BASE, grpc_health_check: {} }] }, ['clusters', 0], STRICT), /clusters\[0\]\.health_checks\[0\]\.grpc_health_check/);
});
