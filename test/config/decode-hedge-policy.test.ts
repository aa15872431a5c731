// config.route.v3.HedgePolicy and the sidelet.filters.http.backup_request extension: every
// accepted wrapper, defaults, and strict errors naming the path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { decodeBackupRequestPolicy, decodeHedgePolicy } from '../../src/config/decode-hedge-policy.ts';
import { BACKUP_REQUEST_TYPE_URL } from '../../src/core/model/policy-hedge.ts';

const strict = { strict: true };
const hedgePath = ['route', 'hedge_policy'];
const backupPath = ['route', 'typed_per_filter_config', 'sidelet.filters.http.backup_request'];

test('hedge_policy: defaults and every field', () => {
  assert.deepEqual(decodeHedgePolicy({}, hedgePath, strict), { initialRequests: 1, additionalRequestChancePerMillion: 0, hedgeOnPerTryTimeout: false });
  assert.deepEqual(
    decodeHedgePolicy({ initial_requests: 2, additional_request_chance: { numerator: 25 }, hedge_on_per_try_timeout: true }, hedgePath, strict),
    { initialRequests: 2, additionalRequestChancePerMillion: 250_000, hedgeOnPerTryTimeout: true },
  );
  assert.throws(() => decodeHedgePolicy({ initial_requests: 0 }, hedgePath, strict), { message: 'route.hedge_policy.initial_requests: must be at least 1, got 0' });
  assert.throws(() => decodeHedgePolicy({ hedge_on_timeout: true }, hedgePath, strict), { message: 'route.hedge_policy.hedge_on_timeout: unknown field' });
});

test('backup request, dynamic, as a TypedStruct (the documented example)', () => {
  const config = decodeBackupRequestPolicy(
    parse(`
"@type": type.googleapis.com/xds.type.v3.TypedStruct
type_url: type.googleapis.com/sidelet.filters.http.backup_request.v1.BackupRequestPolicy
value:
  dynamic:
    max_extra_load: 0.05
    min_delay: 0.005s
    min_samples: 200
    window: 20s
    max_burst: 5
`),
    backupPath,
    strict,
  );
  assert.deepEqual(config, { mode: 'dynamic', budget: { maxExtraLoad: 0.05, maxBurst: 5 }, percentile: 0.95, minDelayMs: 5, minSamples: 200, windowSeconds: 20 });
});

test('backup request, dynamic defaults, as a direct Any', () => {
  assert.deepEqual(decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { maxExtraLoad: 0.1 } }, backupPath, strict), {
    mode: 'dynamic',
    budget: { maxExtraLoad: 0.1, maxBurst: 10 },
    percentile: 0.9,
    minDelayMs: 1,
    minSamples: 100,
    windowSeconds: 30,
  });
});

test('backup request, dynamic, with its own percentile; out of range is refused', () => {
  const config = decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0.05, percentile: 0.945 } }, backupPath, strict);
  assert.equal(config.mode === 'dynamic' && config.percentile, 0.945);
  assert.throws(() => decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0.05, percentile: 1 } }, backupPath, strict), {
    message: /dynamic\.percentile: must be greater than 0 and less than 1, got 1$/,
  });
});

test('backup request, static, with and without a budget', () => {
  assert.deepEqual(decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, static: { delay: '0.05s' } }, backupPath, strict), {
    mode: 'static',
    delayMs: 50,
    budget: undefined,
  });
  assert.deepEqual(decodeBackupRequestPolicy({ '@type': BACKUP_REQUEST_TYPE_URL, static: { delay: '0.05s', max_extra_load: 0.2 } }, backupPath, strict), {
    mode: 'static',
    delayMs: 50,
    budget: { maxExtraLoad: 0.2, maxBurst: 10 },
  });
});

test('a FilterConfig wrapper: disabled turns backups off, else its config is decoded', () => {
  const filterConfig = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
  assert.deepEqual(decodeBackupRequestPolicy({ '@type': filterConfig, disabled: true }, backupPath, strict), { mode: 'off' });
  assert.deepEqual(
    decodeBackupRequestPolicy({ '@type': filterConfig, is_optional: true, config: { '@type': BACKUP_REQUEST_TYPE_URL, static: { delay: '1s' } } }, backupPath, strict),
    { mode: 'static', delayMs: 1000, budget: undefined },
  );
  assert.throws(() => decodeBackupRequestPolicy({ '@type': filterConfig }, backupPath, strict), {
    message: 'route.typed_per_filter_config.sidelet.filters.http.backup_request.config: required unless disabled is true',
  });
});

const prefix = 'route.typed_per_filter_config.sidelet.filters.http.backup_request';
const errors: [string, unknown, string][] = [
  ['no @type', { static: { delay: '1s' } }, `${prefix}.@type: required, must be a non-empty string`],
  ['a foreign @type', { '@type': 'type.googleapis.com/other.Config' }, `${prefix}.@type: expected ${BACKUP_REQUEST_TYPE_URL}, a TypedStruct carrying it, or an envoy.config.route.v3.FilterConfig; got "type.googleapis.com/other.Config"`],
  [
    'a TypedStruct of another type',
    { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'x', value: {} },
    `${prefix}.type_url: expected ${BACKUP_REQUEST_TYPE_URL}, got "x"`,
  ],
  ['neither mode', { '@type': BACKUP_REQUEST_TYPE_URL }, `${prefix}: one of static or dynamic is required`],
  ['both modes', { '@type': BACKUP_REQUEST_TYPE_URL, static: {}, dynamic: {} }, `${prefix}: only one backup mode may be set, found static and dynamic`],
  ['static without delay', { '@type': BACKUP_REQUEST_TYPE_URL, static: {} }, `${prefix}.static.delay: required, a duration greater than 0`],
  ['dynamic without max_extra_load', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: {} }, `${prefix}.dynamic.max_extra_load: required: it sets both the latency percentile and the budget`],
  ['max_extra_load of 1', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 1 } }, `${prefix}.dynamic.max_extra_load: must be greater than 0 and less than 1, got 1`],
  ['max_extra_load of 0', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0 } }, `${prefix}.dynamic.max_extra_load: must be greater than 0 and less than 1, got 0`],
  ['a fractional window', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0.1, window: '1.5s' } }, `${prefix}.dynamic.window: must be a whole number of seconds, at least 1s; got 1.5s`],
  ['min_samples of 0', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0.1, min_samples: 0 } }, `${prefix}.dynamic.min_samples: must be at least 1, got 0`],
  ['an unknown field', { '@type': BACKUP_REQUEST_TYPE_URL, dynamic: { max_extra_load: 0.1, quantile: 0.9 } }, `${prefix}.dynamic.quantile: unknown field`],
  ['max_burst of 0', { '@type': BACKUP_REQUEST_TYPE_URL, static: { delay: '1s', max_extra_load: 0.1, max_burst: 0 } }, `${prefix}.static.max_burst: must be at least 1, got 0`],
];

for (const [name, value, message] of errors) {
  test(`backup request refused: ${name}`, () => {
    assert.throws(() => decodeBackupRequestPolicy(value, backupPath, strict), { message });
  });
}
