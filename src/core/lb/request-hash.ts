// The request hash for hash-based balancing, from a route's hash_policy list as Envoy computes
// it: xxHash64 of each policy's value, combined by rotate-left-1 then XOR, stopping after a
// terminal policy once a hash exists. No value from any policy: undefined (a random pick).
import type { HashPolicy } from '../model/route.ts';
import { xxHash64 } from './hash64.ts';

export interface HashInput {
  /** Lower-cased header name → value. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The request path with its query string. */
  readonly path: string;
  /** The downstream address, without port; undefined when there is none (e.g. a pipe). */
  readonly sourceIp: string | undefined;
}

/** A cookie's value from a Cookie header, surrounding double quotes removed as Envoy does. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

/** The first value of a query parameter, as written (not percent-decoded); '' for a bare name. */
export function queryParameter(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const end = path.indexOf('#', q);
  for (const pair of path.slice(q + 1, end < 0 ? undefined : end).split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return undefined;
}

function policyValue(policy: HashPolicy, input: HashInput): string | undefined {
  switch (policy.kind) {
    case 'header':
      return input.headers[policy.name.toLowerCase()];
    case 'cookie':
      return cookieValue(input.headers.cookie, policy.name);
    case 'source_ip':
      return input.sourceIp;
    case 'query_parameter':
      return queryParameter(input.path, policy.name);
  }
}

/** Envoy's combination of a running hash with the next policy's: rotl(hash, 1) XOR next, 64-bit. */
export function combineHash(hash: bigint | undefined, next: bigint): bigint {
  if (hash === undefined) return next;
  return BigInt.asUintN(64, (hash << 1n) | (hash >> 63n)) ^ next;
}

export function computeRequestHash(policies: readonly HashPolicy[], input: HashInput): bigint | undefined {
  let hash: bigint | undefined;
  for (const policy of policies) {
    const value = policyValue(policy, input);
    if (value !== undefined) hash = combineHash(hash, xxHash64(value));
    if (policy.terminal && hash !== undefined) break;
  }
  return hash;
}
