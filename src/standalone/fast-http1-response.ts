// The head of an HTTP/1.1 answer on the fast path, as node:http's ServerResponse writes it, so a
// client sees the same answer whether the fast path or its node:http fallback served it (Date,
// Connection and Keep-Alive added), and how its body is framed: by its Content-Length, chunked for
// an HTTP/1.1 client, or by the connection's close for an HTTP/1.0 one (answer-writer.ts writes it).
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { HOP_BY_HOP } from '../protocols/http/headers.ts';

/** How the body is delimited: none (HEAD, 1xx, 204, 304), its Content-Length, chunks, or the close. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** What of the request decides the answer's framing. */
export interface AnswerTerms {
  /** The client can take chunked bodies (HTTP/1.1). */
  readonly chunked: boolean;
  /** A HEAD request: the answer has no body whatever its headers say. */
  readonly headOnly: boolean;
  /** The client and the server both want the connection kept after this answer. */
  readonly keepAlive: boolean;
  /** node:http's keepAliveTimeout, ms: advertised in whole seconds as `Keep-Alive: timeout=`; 0 sends none. */
  readonly keepAliveTimeout: number;
}

export interface ResponseHead {
  readonly text: string;
  readonly framing: Framing;
  /** The connection stays open after this answer. */
  readonly keepAlive: boolean;
}

/**
 * The head for `status` and `headers`: an upstream's response headers as the mesh hands them over
 * (hop-by-hop fields are left out here), or a made answer's (lower-cased names, none hop-by-hop).
 */
export function responseHead(status: number, headers: ReadonlyMap<string, string> | IncomingHttpHeaders, terms: AnswerTerms): ResponseHead {
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  let hasLength = false;
  let hasDate = false;
  if (headers instanceof Map) {
    for (const [name, value] of headers as ReadonlyMap<string, string>) {
      if (HOP_BY_HOP.has(name)) continue;
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
      text += `${name}: ${value}\r\n`;
    }
  } else {
    const fields = headers as IncomingHttpHeaders;
    for (const name in fields) {
      const value = fields[name];
      if (value === undefined) continue;
      if (typeof value === 'string') text += `${name}: ${value}\r\n`;
      else for (const item of value) text += `${name}: ${item}\r\n`;
    }
    hasLength = fields['content-length'] !== undefined;
    hasDate = fields.date !== undefined;
  }
  const hasBody = !terms.headOnly && status !== 204 && status !== 304 && (status < 100 || status > 199);
  // As node:http: a connection is kept only when the answer's end can be told without the close.
  const keepAlive = terms.keepAlive && (hasLength || terms.chunked);
  const framing: Framing = !hasBody ? 'none' : hasLength ? 'length' : terms.chunked ? 'chunked' : 'close';
  if (!hasDate) text += `Date: ${httpDate()}\r\n`;
  if (!keepAlive) text += 'Connection: close\r\n';
  else if (terms.keepAliveTimeout > 0) text += `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(terms.keepAliveTimeout / 1000)}\r\n`;
  else text += 'Connection: keep-alive\r\n';
  if (framing === 'chunked') text += 'Transfer-Encoding: chunked\r\n';
  return { text: `${text}\r\n`, framing, keepAlive };
}

let dateSecond = -1;
let dateText = '';

/** IMF-fixdate (RFC 9110 §5.6.7) of now, made once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
