// What sidelet run's HTTP/1.1 listeners (node:http and the fast path) make of a request the same
// way: its origin and path (absolute-form target, else Host, else a bound listener's address) and
// the fields that are not forwarded.
import { HOP_BY_HOP } from '../protocols/http/headers.ts';

/**
 * Hop-by-hop fields of RFC 9110 §7.6.1 beyond the ones the dispatcher already drops, and
 * `expect` (the listener answers 100-continue itself; the upstream leg is the transport's).
 * Like Envoy, `te` is not forwarded.
 */
export const NOT_FORWARDED: ReadonlySet<string> = new Set(['te', 'trailer', 'proxy-authenticate', 'proxy-authorization', 'expect']);

/** Every request field a listener drops, whatever Connection names. */
export const NEVER_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...NOT_FORWARDED]);

export const NO_AUTHORITY_TEXT = 'sidelet: the request names no authority: send a Host header (or an absolute URI)\n';

/** The local end of the connection a bound listener took the request on. */
export interface LocalEnd {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/**
 * Origin and path from an absolute-form target (a client using the sidecar as an HTTP proxy) or
 * from Host. A bound listener (`boundTo`: its connection) routes without a Host: the address the
 * request came in on stands in. Undefined when the request names no authority.
 */
export function originOf(target: string, host: string | undefined, boundTo: LocalEnd | undefined): { origin: string; path: string } | undefined {
  if (/^http:\/\//i.test(target)) {
    const url = URL.parse(target);
    return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
  }
  const authority = host || (boundTo === undefined ? undefined : localAuthority(boundTo));
  if (authority === undefined || authority === '') return undefined;
  if (PLAIN_TARGET.test(target) && !RESOLVED.test(target) && PLAIN_AUTHORITY.test(authority)) {
    const origin = originOfAuthority(authority);
    return origin === undefined ? undefined : { origin, path: target };
  }
  const url = URL.parse(`http://${authority}${target.startsWith('/') ? target : `/${target}`}`);
  return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/**
 * An origin-form target that URL parsing leaves as it is (the usual case): only characters it
 * keeps in a path and query, no fragment, backslash or quote it would rewrite or encode.
 */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;

/** What URL parsing would change in a plain target: a dot segment (written or percent-encoded), an empty query. */
const RESOLVED = /\/\.|%2e|\?$/i;

/** A host name or IP literal and an optional port: nothing that would end the authority early (`/`, `?`, `#`, `@`). */
const PLAIN_AUTHORITY = /^(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

/** Authorities most listeners see: a handful of services. Beyond this many, the cache starts over. */
const AUTHORITY_CACHE_SIZE = 256;
const authorityOrigins = new Map<string, string | null>();

/** `http://` + the authority as URL parsing serializes it (host lower-cased, port 80 dropped); undefined when it is not a valid authority. */
function originOfAuthority(authority: string): string | undefined {
  let origin = authorityOrigins.get(authority);
  if (origin === undefined) {
    origin = URL.parse(`http://${authority}/`)?.origin ?? null;
    if (authorityOrigins.size >= AUTHORITY_CACHE_SIZE) authorityOrigins.clear();
    authorityOrigins.set(authority, origin);
  }
  return origin ?? undefined;
}

/** `127.0.0.1:15006`, `[::1]:15006`, or `localhost` on a unix socket. */
function localAuthority({ localAddress, localPort }: LocalEnd): string {
  if (localAddress === undefined || localPort === undefined) return 'localhost';
  return localAddress.includes(':') ? `[${localAddress}]:${localPort}` : `${localAddress}:${localPort}`;
}

/**
 * The fields a Connection header names (RFC 9110 §7.6.1), which are not forwarded either;
 * undefined for the usual values (none, `keep-alive`, `close`), which name none.
 */
export function connectionNamed(connection: string | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined || /^\s*(keep-alive|close)\s*$/i.test(connection)) return undefined;
  return new Set(connection.split(',').map((token) => token.trim().toLowerCase()));
}
