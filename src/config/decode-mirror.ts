// Decodes Envoy's config.route.v3.RouteAction.RequestMirrorPolicy (a route's
// request_mirror_policies) for the mirroring decision.
import type { ConfigPath } from '../core/errors.ts';
import type { MirrorCluster, MirrorPolicy } from '../core/model/policy-mirror.ts';
import { runtimeFractionPerMillion } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export function decodeMirrorPolicies(values: readonly unknown[], path: ConfigPath, options: DecodeOptions): MirrorPolicy[] {
  return values.map((value, i) => decodeMirrorPolicy(value, [...path, i], options));
}

/** runtime_fraction absent: every request is mirrored. trace_sampled is accepted and not used. */
export function decodeMirrorPolicy(value: unknown, path: ConfigPath, options: DecodeOptions): MirrorPolicy {
  const f = new Fields(value, path, options);
  const kind = f.oneof(['cluster', 'cluster_header'], 'mirror cluster');
  let cluster: MirrorCluster;
  if (kind === 'cluster_header') cluster = { kind: 'cluster_header', header: f.requiredString('cluster_header').toLowerCase() };
  else cluster = { kind: 'cluster', name: f.requiredString('cluster') };
  const fraction = f.message('runtime_fraction');
  if (f.bool('disable_shadow_host_suffix_append', false)) {
    f.fail('disable_shadow_host_suffix_append', 'not supported: mirrors are always sent to the "-shadow" host');
  }
  if (f.has('request_headers_mutations')) f.fail('request_headers_mutations', 'not supported');
  if (f.has('host_rewrite_literal')) f.fail('host_rewrite_literal', 'not supported');
  const policy: MirrorPolicy = { cluster, perMillion: fraction === undefined ? 1_000_000 : runtimeFractionPerMillion(fraction) };
  f.end(['trace_sampled']);
  return policy;
}
