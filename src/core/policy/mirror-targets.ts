// Which clusters a request is mirrored to (Envoy RouteAction.RequestMirrorPolicy), and the
// shadow authority Envoy sends mirrors with. The runtime fires mirrors and forgets them.
import type { MirrorPolicy } from '../model/policy-mirror.ts';

const NO_HEADERS: ReadonlyMap<string, string> = new Map();

/**
 * The clusters to mirror this request to, in policy order: each policy draws its
 * runtime_fraction on its own. A cluster_header policy mirrors to the cluster named by that
 * request header, and to none when it is absent (Envoy skips the mirror). Pure.
 */
export function mirrorTargets(policies: readonly MirrorPolicy[], random: () => number, headers: ReadonlyMap<string, string> = NO_HEADERS): string[] {
  const targets: string[] = [];
  for (const policy of policies) {
    if (policy.perMillion < 1_000_000 && (policy.perMillion <= 0 || random() * 1_000_000 >= policy.perMillion)) continue;
    const cluster = policy.cluster.kind === 'cluster' ? policy.cluster.name : headers.get(policy.cluster.header);
    if (cluster !== undefined && cluster !== '') targets.push(cluster);
  }
  return targets;
}

/**
 * The authority a mirror is sent with: Envoy appends "-shadow" to the host, before the port
 * when there is one (`api:8080` → `api-shadow:8080`, `[::1]:80` → `[::1]-shadow:80`).
 */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  const bareIpv6 = !authority.startsWith('[') && authority.indexOf(':') !== colon;
  const hasPort = !bareIpv6 && colon > authority.lastIndexOf(']') && /^\d+$/.test(authority.slice(colon + 1));
  return hasPort ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
}
