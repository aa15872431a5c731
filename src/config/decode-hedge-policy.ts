// Decodes config.route.v3.HedgePolicy and sidelet's backup-request extension, the value of
// typed_per_filter_config["sidelet.filters.http.backup_request"] on a route or virtual host.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import {
  BACKUP_REQUEST_TYPE_URL,
  type BackupBudgetConfig,
  type BackupRequestConfig,
  DEFAULT_MAX_BURST,
  DEFAULT_MIN_DELAY_MS,
  DEFAULT_MIN_SAMPLES,
  DEFAULT_WINDOW_SECONDS,
  type HedgePolicyConfig,
} from '../core/model/policy-hedge.ts';
import { durationMs, fractionalPerMillion, TYPED_STRUCT_TYPES } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const UINT32_MAX = 4_294_967_295;
const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

export function decodeHedgePolicy(value: unknown, path: ConfigPath, options: DecodeOptions): HedgePolicyConfig {
  const f = new Fields(value, path, options);
  const chance = f.message('additional_request_chance');
  const policy: HedgePolicyConfig = {
    initialRequests: f.number('initial_requests', { integer: true, min: 1, max: UINT32_MAX }) ?? 1,
    additionalRequestChancePerMillion: chance === undefined ? 0 : fractionalPerMillion(chance),
    hedgeOnPerTryTimeout: f.bool('hedge_on_per_try_timeout', false),
  };
  f.end();
  return policy;
}

/**
 * The backup-request policy, as an Any of BACKUP_REQUEST_TYPE_URL, an xds.type.v3.TypedStruct
 * (or udpa.type.v1) carrying it, or an envoy.config.route.v3.FilterConfig wrapping either
 * (`disabled: true` turns backups off for the route).
 */
export function decodeBackupRequestPolicy(value: unknown, path: ConfigPath, options: DecodeOptions): BackupRequestConfig {
  const f = new Fields(value, path, options);
  const type = f.requiredString('@type');
  if (type === FILTER_CONFIG) {
    const disabled = f.bool('disabled', false);
    const inner = f.raw('config');
    f.end(['is_optional']);
    if (disabled) return { mode: 'off' };
    if (inner === undefined) throw new ConfigError(f.pathOf('config'), 'required unless disabled is true');
    return decodeBackupRequestPolicy(inner.value, inner.path, options);
  }
  if (TYPED_STRUCT_TYPES.includes(type)) {
    const url = f.requiredString('type_url');
    if (url !== BACKUP_REQUEST_TYPE_URL) f.fail('type_url', `expected ${BACKUP_REQUEST_TYPE_URL}, got ${JSON.stringify(url)}`);
    const body = f.requiredMessage('value');
    f.end();
    return policyBody(body);
  }
  if (type !== BACKUP_REQUEST_TYPE_URL) {
    f.fail('@type', `expected ${BACKUP_REQUEST_TYPE_URL}, a TypedStruct carrying it, or an envoy.config.route.v3.FilterConfig; got ${JSON.stringify(type)}`);
  }
  return policyBody(f);
}

/** BackupRequestPolicy: oneof `static` or `dynamic`. */
function policyBody(f: Fields): BackupRequestConfig {
  const mode = f.oneof(['static', 'dynamic'], 'backup mode');
  if (mode === undefined) throw new ConfigError(f.path, 'one of static or dynamic is required');
  const m = f.message(mode)!;
  let config: BackupRequestConfig;
  if (mode === 'static') {
    const delayMs = durationMs(m, 'delay');
    if (delayMs === undefined || delayMs <= 0) throw new ConfigError(m.pathOf('delay'), 'required, a duration greater than 0');
    config = { mode, delayMs, budget: m.has('max_extra_load') ? budget(m) : undefined };
  } else {
    if (!m.has('max_extra_load')) m.fail('max_extra_load', 'required: it sets both the latency percentile and the budget');
    const window = durationMs(m, 'window') ?? DEFAULT_WINDOW_SECONDS * 1000;
    if (window < 1000 || window % 1000 !== 0) m.fail('window', `must be a whole number of seconds, at least 1s; got ${window / 1000}s`);
    const dynamicBudget = budget(m);
    const percentile = m.number('percentile', { min: 0, max: 1 }) ?? 1 - dynamicBudget.maxExtraLoad;
    if (percentile <= 0 || percentile >= 1) m.fail('percentile', `must be greater than 0 and less than 1, got ${percentile}`);
    config = {
      mode: 'dynamic',
      budget: dynamicBudget,
      percentile,
      minDelayMs: durationMs(m, 'min_delay') ?? DEFAULT_MIN_DELAY_MS,
      minSamples: m.number('min_samples', { integer: true, min: 1, max: UINT32_MAX }) ?? DEFAULT_MIN_SAMPLES,
      windowSeconds: window / 1000,
    };
  }
  m.end();
  f.end(['@type']);
  return config;
}

function budget(m: Fields): BackupBudgetConfig {
  const maxExtraLoad = m.requiredNumber('max_extra_load', { min: 0, max: 1 });
  if (maxExtraLoad <= 0 || maxExtraLoad >= 1) m.fail('max_extra_load', `must be greater than 0 and less than 1, got ${maxExtraLoad}`);
  return { maxExtraLoad, maxBurst: m.number('max_burst', { integer: true, min: 1, max: 1000 }) ?? DEFAULT_MAX_BURST };
}
