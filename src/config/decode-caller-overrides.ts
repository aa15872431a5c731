// Decodes caller-side overrides (sidelet extension), keyed by the service's listener name
// (`reviews:80`): timeouts, retries, backup requests, a local rate limit and a priority.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { PolicyOverrides, RetryOverride } from '../core/model/caller-overrides.ts';
import { BACKUP_REQUEST_TYPE_URL } from '../core/model/policy-hedge.ts';
import { decodeBackupRequestPolicy } from './decode-hedge-policy.ts';
import { decodeSideletRateLimit } from './decode-local-rate-limit.ts';
import { decodeRetryOn } from './decode-retry-policy.ts';
import { durationMs } from './decode-well-known.ts';
import { type DecodeOptions, Fields, isPlainObject } from './fields.ts';

const STRICT: DecodeOptions = { strict: true };

/** `{ "<listener name>": overrides }`, as createMesh's `overrides` option or the bootstrap's `sidelet.caller_overrides`. */
export function decodeCallerOverrides(value: unknown, path: ConfigPath): ReadonlyMap<string, PolicyOverrides> {
  if (!isPlainObject(value)) throw new ConfigError(path, 'expected an object keyed by service (listener name, e.g. "reviews:80")');
  return new Map(Object.entries(value).map(([service, overrides]) => [service, decodePolicyOverrides(overrides, [...path, service])]));
}

export function decodePolicyOverrides(value: unknown, path: ConfigPath): PolicyOverrides {
  const f = new Fields(value, path, STRICT);
  const overrides: PolicyOverrides = {
    timeoutMs: durationMs(f, 'timeout'),
    idleTimeoutMs: durationMs(f, 'idle_timeout'),
    retry: retryOverride(f),
    backupRequest: backupOverride(f),
    rateLimit: f.has('rate_limit') ? decodeSideletRateLimit(f.raw('rate_limit')!.value, f.pathOf('rate_limit'), STRICT) : undefined,
    priority: f.number('priority', { integer: true, min: -1_000_000, max: 1_000_000 }),
  };
  f.end();
  return overrides;
}

function retryOverride(f: Fields): RetryOverride | 'off' | undefined {
  const raw = f.raw('retry');
  if (raw === undefined) return undefined;
  if (raw.value === 'off') return 'off';
  const r = new Fields(raw.value, raw.path, STRICT);
  const override: RetryOverride = {
    numRetries: r.number('num_retries', { integer: true, min: 0, max: 100 }),
    retryOn: r.has('retry_on') ? decodeRetryOn(r) : undefined,
    perTryTimeoutMs: durationMs(r, 'per_try_timeout'),
  };
  r.end();
  return override;
}

function backupOverride(f: Fields): PolicyOverrides['backupRequest'] {
  const raw = f.raw('backup_request');
  if (raw === undefined) return undefined;
  if (raw.value === 'off') return { mode: 'off' };
  if (!isPlainObject(raw.value)) throw new ConfigError(raw.path, 'expected { static: ... }, { dynamic: ... } or "off"');
  return decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, ...raw.value }, raw.path, STRICT);
}
