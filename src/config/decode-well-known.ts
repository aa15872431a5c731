// Proto3-JSON forms of well-known and common Envoy types: Duration, FractionalPercent,
// Metadata, RegexMatcher (RE2 compiled to an anchored JS RegExp).
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { JsonObject, Metadata } from '../core/model/metadata.ts';
import { describe, type Fields, isPlainObject } from './fields.ts';

/** google.protobuf.Duration: "1.5s" in JSON, or {seconds, nanos} from a decoded message. Returns ms. */
export function durationMs(fields: Fields, name: string): number | undefined {
  const f = fields.raw(name);
  if (f === undefined) return undefined;
  return parseDuration(f.value, f.path);
}

/** google.protobuf.Duration's range: about 10,000 years. */
const MAX_DURATION_SECONDS = 315_576_000_000;

export function parseDuration(value: unknown, path: ConfigPath): number {
  if (typeof value === 'string') {
    const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(value);
    if (m === null) throw new ConfigError(path, `expected a duration such as "1.5s", got ${JSON.stringify(value)}`);
    const ms = Number(m[1]) * 1000 + Number(`0.${m[2] ?? '0'}`) * 1000;
    if (ms < 0) throw new ConfigError(path, `duration must not be negative, got ${JSON.stringify(value)}`);
    return ms;
  }
  if (isPlainObject(value) && ('seconds' in value || 'nanos' in value)) {
    const seconds = Number(value.seconds ?? 0);
    const nanos = Number(value.nanos ?? 0);
    // google.protobuf.Duration: whole seconds up to 10,000 years, nanos a fraction of one second.
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_DURATION_SECONDS) {
      throw new ConfigError([...path, 'seconds'], `expected whole seconds from 0 to ${MAX_DURATION_SECONDS}, got ${describe(value.seconds)}`);
    }
    if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
      throw new ConfigError([...path, 'nanos'], `expected 0 to 999999999 nanoseconds, got ${describe(value.nanos)}`);
    }
    return seconds * 1000 + nanos / 1e6;
  }
  throw new ConfigError(path, `expected a duration such as "1.5s", got ${describe(value)}`);
}

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;
const DENOMINATOR_NAMES = Object.keys(DENOMINATORS) as (keyof typeof DENOMINATORS)[];

/** type.v3.FractionalPercent's denominator (HUNDRED by default) as a number. */
export function fractionDenominator(fields: Fields): number {
  return DENOMINATORS[fields.enumOf('denominator', DENOMINATOR_NAMES, 'HUNDRED')];
}

/** The TypedStruct types a control plane wraps an extension's config in. */
export const TYPED_STRUCT_TYPES: readonly string[] = ['type.googleapis.com/xds.type.v3.TypedStruct', 'type.googleapis.com/udpa.type.v1.TypedStruct'];

/** type.v3.FractionalPercent as parts per million. */
export function fractionalPerMillion(fields: Fields): number {
  const numerator = fields.number('numerator', { integer: true, min: 0 }) ?? 0;
  const denominator = fractionDenominator(fields);
  fields.end();
  return Math.min(1_000_000, (numerator * 1_000_000) / denominator);
}

/** core.v3.RuntimeFractionalPercent; without a runtime, its default_value is what applies. */
export function runtimeFractionPerMillion(fields: Fields): number {
  const perMillion = fractionalPerMillion(fields.requiredMessage('default_value'));
  fields.end(['runtime_key']);
  return perMillion;
}

/** core.v3.Metadata: filter_metadata (typed_filter_metadata is accepted and not used). */
export function metadata(fields: Fields, name: string): Metadata {
  const m = fields.message(name);
  if (m === undefined) return Object.freeze({});
  const filters = m.struct('filter_metadata') ?? {};
  const out: Record<string, JsonObject> = {};
  for (const [filter, value] of Object.entries(filters)) {
    if (!isPlainObject(value)) throw new ConfigError([...m.pathOf('filter_metadata'), filter], `expected an object, got ${describe(value)}`);
    out[filter] = value as JsonObject;
  }
  m.end(['typed_filter_metadata']);
  return out;
}

/**
 * type.matcher.v3.RegexMatcher. RE2 syntax is compiled to a JS RegExp anchored for a full
 * match, as Envoy's safe_regex matches the whole value. RE2 named groups `(?P<n>…)` are
 * accepted; constructs RE2 refuses (backreferences, lookaround) are refused here too.
 */
export function regexMatcher(fields: Fields): RegExp {
  const pattern = fields.requiredString('regex');
  const regex = compileRe2(pattern, fields.pathOf('regex'));
  fields.end(['google_re2']);
  return regex;
}

/** `full` anchors the pattern to the whole value; `global` finds every match (for rewrites). */
export function compileRe2(pattern: string, path: ConfigPath, mode: 'full' | 'global' = 'full'): RegExp {
  if (/\\[1-9]|\(\?<?[=!]/.test(pattern)) {
    throw new ConfigError(path, `invalid regex ${JSON.stringify(pattern)}: backreferences and lookaround are not RE2 syntax`);
  }
  const source = pattern.replace(/\(\?P</g, '(?<');
  try {
    return mode === 'full' ? new RegExp(`^(?:${source})$`) : new RegExp(source, 'g');
  } catch (error) {
    throw new ConfigError(path, `invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
  }
}
