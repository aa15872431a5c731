// Sorts an undici request error into the core's LocalFailure kinds, the way Envoy's router tells
// a connection failure (UF, TLS handshake failures included) from an upstream reset (UR) and an
// HTTP/2 REFUSED_STREAM. Pure.
import type { LocalFailure } from '../../core/policy/retry-classifier.ts';
import { TLS_HANDSHAKE_FAILED } from './tls-connector.ts';

/** No connection was made: refused, unroutable, unresolvable, the connect timeout fired (undici's ConnectTimeoutError), or the TLS handshake failed. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  TLS_HANDSHAKE_FAILED,
]);

/** HTTP/2 RST_STREAM code 7 (RFC 9113 §8.7: the stream was not processed and is safe to retry). */
const REFUSED_STREAM = /NGHTTP2_REFUSED_STREAM|code 7\b/;

export function failureKind(error: unknown): LocalFailure {
  const code = errorCode(error);
  if (code !== undefined && CONNECT_CODES.has(code)) return 'connect-failure';
  if (error instanceof Error && REFUSED_STREAM.test(error.message)) return 'refused-stream';
  return 'reset';
}

/** The error's code; for a happy-eyeballs AggregateError (several addresses tried), the first attempt's. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}

export function failureDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  return code === undefined ? error.message : `${code}: ${error.message}`;
}
