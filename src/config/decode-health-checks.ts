// Decodes a cluster's health_checks (Envoy config.core.v3.HealthCheck): HTTP and connect-only
// TCP checkers with their intervals, jitters and thresholds; gRPC and custom checkers are refused.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import {
  DEFAULT_EXPECTED_STATUSES,
  type HealthCheckConfig,
  type HealthCheckMethod,
  type HttpHealthCheck,
  type StatusRange,
  type TcpHealthCheck,
} from '../core/model/policy-health-check.ts';
import { decodeHeaderMutations } from './decode-headers.ts';
import { durationMs } from './decode-well-known.ts';
import { type DecodeOptions, describe, Fields } from './fields.ts';

const CHECKERS = ['http_health_check', 'tcp_health_check', 'grpc_health_check', 'custom_health_check'] as const;
/** config.core.v3.RequestMethod in enum order, so numeric values decode too. */
const METHODS = ['METHOD_UNSPECIFIED', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
const THRESHOLD = { integer: true, min: 1, max: 4_294_967_295 } as const;

/**
 * The list of checks. Every check must pass for a host to be healthy (Envoy's multiple health
 * checkers). From xDS (not strict), a gRPC or custom check is left out rather than refusing the cluster.
 */
export function decodeHealthChecks(value: unknown, path: ConfigPath, options: DecodeOptions): readonly HealthCheckConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(path, `expected a list, got ${describe(value)}`);
  return value.flatMap((item, i) => decodeHealthCheck(item, [...path, i], options) ?? []);
}

/** One HealthCheck; undefined for a checker sidelet does not run, which only non-strict decoding allows. */
export function decodeHealthCheck(value: unknown, path: ConfigPath, options: DecodeOptions): HealthCheckConfig | undefined {
  const f = new Fields(value, path, options);
  const which = f.oneof(CHECKERS, 'health checker');
  if (which === undefined) throw new ConfigError(path, `one of ${CHECKERS.join(', ')} is required`);
  if (which === 'grpc_health_check' || which === 'custom_health_check') {
    if (options.strict) f.fail(which, `${which} is not supported; use http_health_check or tcp_health_check`);
    return undefined;
  }
  const positive = (name: string): number | undefined => {
    const ms = durationMs(f, name);
    if (ms !== undefined && ms <= 0) f.fail(name, 'must be a positive duration');
    return ms;
  };
  const required = (name: string): number => {
    return positive(name) ?? f.fail(name, 'required, a positive duration');
  };
  const intervalMs = required('interval');
  const unhealthyIntervalMs = positive('unhealthy_interval') ?? intervalMs;
  const noTrafficIntervalMs = positive('no_traffic_interval');
  const config: HealthCheckConfig = {
    timeoutMs: required('timeout'),
    intervalMs,
    initialJitterMs: durationMs(f, 'initial_jitter') ?? 0,
    intervalJitterMs: durationMs(f, 'interval_jitter') ?? 0,
    intervalJitterPercent: f.number('interval_jitter_percent', { integer: true, min: 0, max: 4_294_967_295 }) ?? 0,
    unhealthyThreshold: threshold(f, 'unhealthy_threshold'),
    healthyThreshold: threshold(f, 'healthy_threshold'),
    reuseConnection: f.bool('reuse_connection', true),
    noTrafficIntervalMs,
    noTrafficHealthyIntervalMs: positive('no_traffic_healthy_interval') ?? noTrafficIntervalMs,
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs: positive('unhealthy_edge_interval') ?? unhealthyIntervalMs,
    healthyEdgeIntervalMs: positive('healthy_edge_interval') ?? intervalMs,
    checker: which === 'http_health_check' ? httpCheck(f.requiredMessage(which)) : tcpCheck(f.requiredMessage(which)),
  };
  // alt_port is not implemented in Envoy either; checks go to the endpoint's address.
  f.end(['alt_port', 'event_log_path', 'event_logger', 'event_service', 'always_log_health_check_failures', 'tls_options', 'transport_socket_match_criteria']);
  return config;
}

/** Thresholds are required UInt32Values; 0 would never (or always) trip, so at least 1 is asked for. */
function threshold(f: Fields, name: string): number {
  return f.number(name, THRESHOLD) ?? f.fail(name, 'required, an integer of at least 1');
}

function httpCheck(f: Fields): HttpHealthCheck {
  const path = f.requiredString('path');
  if (!path.startsWith('/')) f.fail('path', `must start with "/", got ${JSON.stringify(path)}`);
  const method = f.enumOf('method', METHODS, 'METHOD_UNSPECIFIED');
  if (method === 'CONNECT') f.fail('method', 'CONNECT cannot be used for health checks');
  if (f.enumOf('codec_client_type', ['HTTP1', 'HTTP2', 'HTTP3'] as const, 'HTTP1') !== 'HTTP1') {
    f.fail('codec_client_type', 'only HTTP1 health checks are supported');
  }
  for (const name of ['send', 'receive', 'service_name_matcher'] as const) {
    if (f.options.strict && f.has(name)) f.fail(name, 'not supported by sidelet health checks');
  }
  const expected = statusRanges(f, 'expected_statuses');
  const check: HttpHealthCheck = {
    kind: 'http',
    path,
    host: f.string('host') || undefined,
    method: method === 'METHOD_UNSPECIFIED' ? 'GET' : (method as HealthCheckMethod),
    expectedStatuses: expected.length > 0 ? expected : DEFAULT_EXPECTED_STATUSES,
    retriableStatuses: statusRanges(f, 'retriable_statuses'),
    headers: decodeHeaderMutations(f),
  };
  f.end();
  return check;
}

/** Connect-only: Envoy's send/receive payload matching is not carried out, so strict mode refuses it. */
function tcpCheck(f: Fields): TcpHealthCheck {
  // An empty receive list is proto3's default, not a payload check.
  const receive = f.list('receive', (item) => item);
  const payload = f.has('send') ? 'send' : receive.length > 0 ? 'receive' : undefined;
  if (f.options.strict && payload !== undefined) f.fail(payload, 'payload checks are not supported; tcp_health_check is connect-only');
  f.end();
  return { kind: 'tcp' };
}

/** type.v3.Int64Range items, start and end required, within [100, 600), start below end. */
function statusRanges(f: Fields, name: string): StatusRange[] {
  return f.list(name, (item, path) => {
    const range = new Fields(item, path, f.options);
    const start = range.requiredNumber('start', { integer: true, min: 100, max: 599 });
    const end = range.requiredNumber('end', { integer: true, min: 101, max: 600 });
    if (end <= start) range.fail('end', `must be above start ${start} (the range is half-open), got ${end}`);
    range.end();
    return { start, end };
  });
}
