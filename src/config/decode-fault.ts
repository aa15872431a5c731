// Decodes Envoy's extensions.filters.http.fault.v3.HTTPFault, as the filter's config or as the
// per-route override in typed_per_filter_config (which replaces the filter's config whole, as in Envoy).
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import { FAULT_TYPE, type FaultAbortConfig, type FaultDelayConfig, type FractionalPercent, type HttpFaultConfig } from '../core/model/policy-fault.ts';
import { decodeHeaderMatcher } from './decode-matchers.ts';
import { durationMs, fractionDenominator } from './decode-well-known.ts';
import { type DecodeOptions, describe, Fields } from './fields.ts';

/** Envoy's runtime overrides: without a runtime their defaults (the config) apply. */
const RUNTIME_KEYS = [
  'delay_percent_runtime',
  'abort_percent_runtime',
  'delay_duration_runtime',
  'abort_http_status_runtime',
  'max_active_faults_runtime',
  'response_rate_limit_percent_runtime',
  'abort_grpc_status_runtime',
];

export function decodeFault(value: unknown, path: ConfigPath, options: DecodeOptions): HttpFaultConfig {
  const f = new Fields(value, path, options);
  const type = f.string('@type');
  if (type !== undefined && type !== FAULT_TYPE) f.fail('@type', `expected ${FAULT_TYPE}, got ${JSON.stringify(type)}`);
  if (f.has('response_rate_limit')) f.fail('response_rate_limit', 'response rate limiting faults are not supported');
  const delay = f.message('delay');
  const abort = f.message('abort');
  const maxActive = f.number('max_active_faults', { integer: true, min: 0, max: 4_294_967_295 });
  const config: HttpFaultConfig = {
    delay: delay === undefined ? undefined : faultDelay(delay),
    abort: abort === undefined ? undefined : faultAbort(abort),
    upstreamCluster: f.string('upstream_cluster') || undefined,
    headers: f.list('headers', (v, p) => decodeHeaderMatcher(v, p, options)),
    downstreamNodes: f.list('downstream_nodes', (v, p) => {
      if (typeof v !== 'string' || v === '') throw new ConfigError(p, `expected a non-empty string, got ${describe(v)}`);
      return v;
    }),
    maxActiveFaults: maxActive,
  };
  f.end([...RUNTIME_KEYS, 'disable_downstream_cluster_stats', 'filter_metadata']);
  return config;
}

/** extensions.filters.common.fault.v3.FaultDelay. */
function faultDelay(f: Fields): FaultDelayConfig {
  const kind = f.oneof(['fixed_delay', 'header_delay'], 'delay source');
  if (kind === undefined) f.fail('fixed_delay', 'one of fixed_delay or header_delay is required');
  let config: FaultDelayConfig;
  if (kind === 'header_delay') {
    f.message('header_delay')!.end();
    config = { source: { kind: 'header' }, percentage: percentage(f) };
  } else {
    config = { source: { kind: 'fixed', ms: durationMs(f, 'fixed_delay')! }, percentage: percentage(f) };
  }
  f.end(['type']);
  return config;
}

/** extensions.filters.http.fault.v3.FaultAbort. */
function faultAbort(f: Fields): FaultAbortConfig {
  const kind = f.oneof(['http_status', 'grpc_status', 'header_abort'], 'abort error type');
  let config: FaultAbortConfig;
  switch (kind) {
    case 'http_status':
      config = { source: { kind: 'http', status: f.requiredNumber('http_status', { integer: true, min: 200, max: 599 }) }, percentage: percentage(f) };
      break;
    case 'grpc_status':
      config = { source: { kind: 'grpc', grpcStatus: f.requiredNumber('grpc_status', { integer: true, min: 0, max: 4_294_967_295 }) }, percentage: percentage(f) };
      break;
    case 'header_abort':
      f.message('header_abort')!.end();
      config = { source: { kind: 'header' }, percentage: percentage(f) };
      break;
    default:
      f.fail('http_status', 'one of http_status, grpc_status or header_abort is required');
  }
  f.end();
  return config;
}

/** type.v3.FractionalPercent; absent it is 0 %, as the proto default is in Envoy (no fault is injected). */
function percentage(f: Fields): FractionalPercent {
  const p = f.message('percentage');
  if (p === undefined) return { numerator: 0, denominator: 100 };
  const numerator = p.number('numerator', { integer: true, min: 0, max: 4_294_967_295 }) ?? 0;
  const denominator = fractionDenominator(p);
  p.end();
  return { numerator, denominator };
}
