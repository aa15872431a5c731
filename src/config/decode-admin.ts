// Envoy's bootstrap `admin` block (config.bootstrap.v3.Admin): where `sidelet run` serves its
// admin pages. Only a TCP socket_address is supported; `sidelet run --admin` overrides it.
import type { ConfigPath } from '../core/errors.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export interface AdminConfig {
  /** An IP address (or a host name the process can bind); `port` 0 picks a free one. */
  readonly address: { readonly host: string; readonly port: number };
}

/**
 * `access_log_path` and `profile_path` are accepted and unused, so the bootstrap Istio and
 * Envoy's examples write (`admin: { access_log_path: /dev/null, address: ... }`) loads as it is.
 */
export function decodeAdmin(value: unknown, path: ConfigPath, options: DecodeOptions): AdminConfig {
  const f = new Fields(value, path, options);
  const a = f.requiredMessage('address', 'required: the admin server needs an address');
  if (a.has('pipe') || a.has('envoy_internal_address')) a.fail(a.has('pipe') ? 'pipe' : 'envoy_internal_address', 'the admin server listens on a TCP socket_address only');
  const s = a.requiredMessage('socket_address');
  const host = s.requiredString('address');
  if (s.has('named_port')) s.fail('named_port', 'not supported: give port_value');
  const port = s.number('port_value', { integer: true, min: 0, max: 65535 }) ?? 0;
  if (s.enumOf('protocol', ['TCP', 'UDP'] as const, 'TCP') === 'UDP') s.fail('protocol', 'the admin server speaks HTTP over TCP');
  s.end(['resolver_name', 'ipv4_compat']);
  a.end();
  f.end(['access_log_path', 'profile_path']);
  return { address: { host, port } };
}
