// Header conversion between the core's lower-cased maps and undici: connection-specific
// request headers are left out (RFC 9110 §7.6.1; HTTP/2 forbids them, RFC 9113 §8.2.2), and
// response header lists are joined into one value (RFC 9110 §5.3).
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Connection-specific fields (RFC 9110 §7.6.1), every layer's base: a proxy never forwards them,
 * and `host` is the target's authority. Each layer adds the few that are its own business.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** `expect` too: the upstream leg's 100-continue is undici's. */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'expect']);

/**
 * Request headers as undici's flat list of names and values: `host` first, the call's authority
 * (HTTP/2's :authority); `te` only as `trailers` (gRPC). A list, not an object keyed by each
 * request's own names, so neither side makes a dictionary-mode object per request.
 */
export function requestHeaders(headers: ReadonlyMap<string, string>, authority: string): string[] {
  const out = ['host', authority];
  for (const [name, value] of headers) {
    if (name.startsWith(':') || CONNECTION_SPECIFIC.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    out.push(name, value);
  }
  return out;
}

/** Response headers or trailers as a lower-cased map; repeated fields are joined with ", " (set-cookie too). */
export function headerMap(headers: IncomingHttpHeaders | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (headers == null) return out;
  // for-in makes no key or entry arrays (on the hot path of every response); the objects are plain or prototype-free.
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}

/** grpc-status as a number when the response carries one (a trailers-only gRPC response carries it in its headers). */
export function grpcStatusOf(headers: ReadonlyMap<string, string>): number | undefined {
  const value = headers.get('grpc-status');
  return value !== undefined && /^\d{1,2}$/.test(value) ? Number(value) : undefined;
}

/**
 * Trailers from undici's onResponseEnd. Over HTTP/2, undici 7 hands the trailers to the
 * controller's `rawTrailers` as an object and passes an empty parsed set, so that object is read.
 */
export function trailerMap(parsed: IncomingHttpHeaders, raw: unknown): Map<string, string> {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return headerMap(raw as IncomingHttpHeaders);
  return headerMap(parsed);
}
