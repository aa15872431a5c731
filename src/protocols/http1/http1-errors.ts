// Errors of sidelet's HTTP/1.1 client, each with a stable `code` (failure-kind.ts sorts them:
// the connect timeout is a connect failure, everything else here a reset). Socket errors are
// passed on as Node raised them, with their own codes (ECONNREFUSED, ECONNRESET, …).

export type Http1ErrorCode =
  /** undici's code for the same event, so failure-kind.ts maps it to connect-failure unchanged. */
  | 'UND_ERR_CONNECT_TIMEOUT'
  /** The upstream closed the connection before the response was complete. */
  | 'SIDELET_HTTP1_CLOSED'
  /** The response broke HTTP/1.1 (RFC 9112): the message names what and where. */
  | 'SIDELET_HTTP1_BAD_RESPONSE'
  /** The request cannot be sent as given (a header with CR, LF or NUL, a body not matching its content-length, …); nothing was sent. */
  | 'SIDELET_HTTP1_BAD_REQUEST'
  /** The request body stream failed or did not match its content-length while being sent. */
  | 'SIDELET_HTTP1_BODY'
  /** The pool was closed (no new requests) or destroyed (requests aborted). */
  | 'SIDELET_HTTP1_POOL_CLOSED'
  | 'SIDELET_HTTP1_POOL_DESTROYED';

export class Http1Error extends Error {
  readonly code: Http1ErrorCode;
  constructor(code: Http1ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Http1Error';
    this.code = code;
  }
}

/** A malformed response head, chunk or trailer; `message` names the part and the byte. */
export function badResponse(message: string): Http1Error {
  return new Http1Error('SIDELET_HTTP1_BAD_RESPONSE', message);
}
