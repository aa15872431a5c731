// Decoding RequestMirrorPolicy: cluster or cluster_header, runtime_fraction (absent: all), refused fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMirrorPolicies } from '../../src/config/decode-mirror.ts';

const strict = { strict: true };

test('cluster with runtime_fraction, cluster_header without one (every request)', () => {
  const policies = decodeMirrorPolicies(
    [
      { cluster: 'shadow', runtime_fraction: { runtime_key: 'm', default_value: { numerator: 25 } }, trace_sampled: false },
      { clusterHeader: 'X-Mirror-To' },
    ],
    ['route', 'request_mirror_policies'],
    strict,
  );
  assert.deepEqual(policies, [
    { cluster: { kind: 'cluster', name: 'shadow' }, perMillion: 250_000 },
    { cluster: { kind: 'cluster_header', header: 'x-mirror-to' }, perMillion: 1_000_000 },
  ]);
});

test('errors name the path', () => {
  const path = ['r', 'request_mirror_policies'];
  assert.throws(() => decodeMirrorPolicies([{}], path, strict), { message: 'r.request_mirror_policies[0].cluster: required, must be a non-empty string' });
  assert.throws(() => decodeMirrorPolicies([{ cluster: 'a', cluster_header: 'b' }], path, strict), /only one mirror cluster may be set/);
  assert.throws(() => decodeMirrorPolicies([{ cluster: 'a', runtime_fraction: {} }], path, strict), { message: 'r.request_mirror_policies[0].runtime_fraction.default_value: required' });
  assert.throws(() => decodeMirrorPolicies([{ cluster: 'a', disable_shadow_host_suffix_append: true }], path, strict), /disable_shadow_host_suffix_append: not supported/);
  assert.throws(() => decodeMirrorPolicies([{ cluster: 'a', runtimeFractions: {} }], path, strict), { message: 'r.request_mirror_policies[0].runtimeFractions: unknown field' });
});
