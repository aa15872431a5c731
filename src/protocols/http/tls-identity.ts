// Who a TLS upstream must be. With SAN matchers (match_typed_subject_alt_names), one SAN of the
// certificate must match one of them, as in Envoy; without, Node's host name check (RFC 6125)
// against the SNI, else the endpoint's address. Pure.
import { type PeerCertificate, checkServerIdentity } from 'node:tls';
import type { SanType, SubjectAltNameMatcher } from '../../core/model/cluster.ts';
import { matchString } from '../../core/router/string-matcher.ts';

interface San {
  readonly type: Exclude<SanType, 'ANY'>;
  readonly value: string;
}

const SAN_TYPES: Readonly<Record<string, San['type']>> = { DNS: 'DNS', URI: 'URI', email: 'EMAIL', 'IP Address': 'IP_ADDRESS' };
/** One `Type:value` entry of Node's subjectaltname; values with special characters are JSON-quoted. */
const SAN_ENTRY = /\s*([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/y;

export type IdentityCheck = (host: string, cert: PeerCertificate) => Error | undefined;

/** The tls.connect `checkServerIdentity` for a cluster's SAN matchers. */
export function identityCheck(matchers: readonly SubjectAltNameMatcher[]): IdentityCheck {
  if (matchers.length === 0) return checkServerIdentity;
  return (_host, cert) => {
    const sans = subjectAltNames(cert.subjectaltname ?? '');
    if (sans.some((san) => matchers.some((m) => sanMatches(m, san)))) return undefined;
    const error = new Error(`the certificate's SANs (${cert.subjectaltname || 'none'}) match none of match_typed_subject_alt_names`);
    return Object.assign(error, { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  };
}

/** The SANs of Node's `subjectaltname` string (`DNS:a, IP Address:1.2.3.4, URI:spiffe://…`); other kinds are left out. */
export function subjectAltNames(text: string): San[] {
  const out: San[] = [];
  SAN_ENTRY.lastIndex = 0;
  for (let m = SAN_ENTRY.exec(text); m !== null && m[0] !== ''; m = SAN_ENTRY.exec(text)) {
    const type = SAN_TYPES[m[1]!];
    if (type === undefined) continue;
    const raw = m[2]!;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    out.push({ type, value: type === 'IP_ADDRESS' ? canonicalIp(value) : value });
  }
  return out;
}

function sanMatches(m: SubjectAltNameMatcher, san: San): boolean {
  if (m.sanType !== 'ANY' && m.sanType !== san.type) return false;
  if (matchString(m.matcher, san.value)) return true;
  // Envoy: an exact matcher against a DNS SAN honours the certificate's wildcard (*.example.com).
  return san.type === 'DNS' && m.matcher.kind === 'exact' && wildcardMatches(san.value, m.matcher.value, m.matcher.ignoreCase);
}

function wildcardMatches(pattern: string, name: string, ignoreCase: boolean): boolean {
  if (!pattern.startsWith('*.')) return false;
  const [p, n] = ignoreCase ? [pattern.toLowerCase(), name.toLowerCase()] : [pattern, name];
  const suffix = p.slice(1);
  return n.endsWith(suffix) && n.length > suffix.length && !n.slice(0, -suffix.length).includes('.');
}

/** IPv6 in its compressed form (Node prints SANs uncompressed), so `::1` matches `0:0:0:0:0:0:0:1`. */
function canonicalIp(value: string): string {
  if (!value.includes(':')) return value;
  const host = URL.parse(`http://[${value}]/`)?.hostname;
  return host === undefined ? value : host.slice(1, -1);
}
