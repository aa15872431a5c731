// One client connection of sidelet run's HTTP/1.1 fast path: reads and parses requests itself,
// answers the simple ones one at a time in order (FastExchange), and hands the connection to
// node:http at a request boundary the first time a request is not simple or not well-formed.
import { METHODS } from 'node:http';
import type { Socket } from 'node:net';
import type { DirectCalls } from '../api/mesh-dispatcher.ts';
import { REPLAYABLE_BODY_LIMIT } from '../api/dispatch-request.ts';
import { HEAD_LIMIT, parseRequestHead, type RequestHead } from '../protocols/http1/request-head.ts';
import { type ExchangeHost, FastExchange } from './fast-http1-exchange.ts';
import type { ListenerRouting } from './http-listener.ts';

/** What a connection needs of its server (fast-http1-server.ts), read at each use: the timeouts can change, as node:http's can. */
export interface ConnectionServer {
  readonly direct: DirectCalls;
  readonly routing: ListenerRouting;
  /** ms an idle keep-alive connection lives after its last answer (plus keepAliveTimeoutBuffer); 0: no limit. */
  readonly keepAliveTimeout: number;
  readonly keepAliveTimeoutBuffer: number;
  /** ms from a connection's start, or a request's first byte, to its complete head. */
  readonly headersTimeout: number;
  /** ms from a complete head to its complete body. */
  readonly requestTimeout: number;
  /** The server stopped accepting (a drain). */
  closing(): boolean;
  /** The connection went idle after an answer: the server closes it once idle past the keep-alive timeout. */
  wentIdle(connection: FastConnection): void;
  /** Gives the connection to node:http, `unread` in front of what the socket has not delivered yet. */
  fallBack(socket: Socket, unread: Buffer | undefined): void;
  /** The connection is closed or handed over: the server forgets it. */
  forget(connection: FastConnection): void;
}

/**
 * Fields node:http keeps once when a request repeats them (IncomingMessage drops the later
 * copies; it rejects a second content-length): such a request goes to node:http, so it means the
 * same on either path.
 */
const FIRST_ONLY: ReadonlySet<string> = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since',
  'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires',
]);

/** Methods node:http's parser takes; any other it answers 400, so the fallback answers it. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

/** While busy, pipelined bytes buffer up to this before the socket stops being read. */
const BUSY_BUFFER_LIMIT = HEAD_LIMIT + REPLAYABLE_BODY_LIMIT;

const LF = 0x0a;
const CR = 0x0d;

/** node:http's answers to a request that timed out or ended half-sent; the connection closes after them. */
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

/**
 * A request the fast path answers itself: a method node:http knows (not CONNECT), no
 * Transfer-Encoding, Expect or Upgrade, a body of at most REPLAYABLE_BODY_LIMIT (read whole, so
 * retries and hedges can send it again), and no repeated field node:http would read differently.
 */
function isSimple(head: RequestHead): boolean {
  return (
    KNOWN_METHODS.has(head.method) &&
    head.method !== 'CONNECT' &&
    !head.upgrade &&
    !head.headers.has('transfer-encoding') &&
    !head.headers.has('expect') &&
    (head.contentLength === undefined || head.contentLength <= REPLAYABLE_BODY_LIMIT) &&
    (head.repeated === undefined || !head.repeated.some((name) => FIRST_ONLY.has(name)))
  );
}

/**
 * Owned by the main thread. Reads all along, so a client that goes away is noticed while its call
 * runs (and aborts it); parses the next request only once the answer before it is written.
 */
export class FastConnection implements ExchangeHost {
  readonly socket: Socket;
  readonly #server: ConnectionServer;
  /** Bytes read and not consumed yet: the next request(s), or the start of one. */
  #buffer: Buffer | undefined;
  /** How much of #buffer was searched for a head's end without finding one. */
  #scanned = 0;
  /** A head whose body has not all arrived. */
  #waiting: RequestHead | undefined;
  #exchange: FastExchange | undefined;
  #served = 0;
  #processing = false;
  #paused = false;
  /** The head (or body) deadline; undefined when no request is being received. */
  #deadline: NodeJS.Timeout | undefined;
  #ended = false;
  /** performance.now() of the last answer: how long an idle connection has been idle. */
  idleSince = 0;

  readonly #onData = (chunk: Buffer): void => this.#read(chunk);
  readonly #onEnd = (): void => this.#clientEnded();
  readonly #onError = (): void => void this.socket.destroy();
  readonly #onClose = (): void => this.#closed();
  readonly #onDrain = (): void => this.#exchange?.onDrain();

  constructor(socket: Socket, server: ConnectionServer) {
    this.socket = socket;
    this.#server = server;
    socket.on('data', this.#onData).on('end', this.#onEnd).on('error', this.#onError).on('close', this.#onClose).on('drain', this.#onDrain);
    this.#arm(server.headersTimeout);
  }

  get direct(): DirectCalls {
    return this.#server.direct;
  }

  get routing(): ListenerRouting {
    return this.#server.routing;
  }

  get keepAliveTimeout(): number {
    return this.#server.keepAliveTimeout;
  }

  closing(): boolean {
    return this.#server.closing();
  }

  /** No request in progress and none begun since the last answer: what node:http's closeIdleConnections closes. */
  get idle(): boolean {
    return this.#served > 0 && this.#exchange === undefined && this.#buffer === undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** ExchangeHost: the answer is out. */
  done(keepAlive: boolean): void {
    this.#exchange = undefined;
    this.#served += 1;
    if (!keepAlive) return this.#close();
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
    this.#process();
    if (this.idle) {
      this.idleSince = performance.now();
      this.#server.wentIdle(this);
    }
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer === undefined ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#exchange === undefined) return this.#process();
    if (this.#buffer.length > BUSY_BUFFER_LIMIT && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  /** Starts the requests the buffer holds, one at a time; an answer made at once lets the next start in this loop. */
  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (this.#exchange === undefined && this.#buffer !== undefined && !this.#ended && this.#next());
    } finally {
      this.#processing = false;
    }
  }

  /** Starts the request at the buffer's start; false when it needs more bytes or the connection left the fast path. */
  #next(): boolean {
    const buffer = this.#buffer!;
    let head = this.#waiting;
    if (head === undefined) {
      if (this.#scanned > 0 && !mayEndHead(buffer, this.#scanned)) {
        this.#scanned = buffer.length;
        return false;
      }
      try {
        head = parseRequestHead(buffer);
      } catch {
        // Malformed: node:http answers it (400, 431) as it always has.
        this.#fallBack();
        return false;
      }
      if (head === undefined) {
        this.#scanned = buffer.length;
        this.#arm(this.#server.headersTimeout);
        return false;
      }
      this.#scanned = 0;
      this.#disarm();
      if (!isSimple(head)) {
        this.#fallBack();
        return false;
      }
    }
    const end = head.headEnd + (head.contentLength ?? 0);
    if (buffer.length < end) {
      if (this.#waiting === undefined) this.#arm(this.#server.requestTimeout);
      this.#waiting = head;
      return false;
    }
    this.#waiting = undefined;
    this.#disarm();
    this.#buffer = end < buffer.length ? buffer.subarray(end) : undefined;
    const exchange = new FastExchange(this, head);
    this.#exchange = exchange;
    exchange.start(head.contentLength === undefined ? undefined : buffer.subarray(head.headEnd, end));
    return true;
  }

  /** Hands the connection over at this request boundary; node:http reads the buffered bytes first. */
  #fallBack(): void {
    const unread = this.#buffer;
    this.#buffer = undefined;
    this.#leave();
    this.#server.fallBack(this.socket, unread);
  }

  /** The client sent its FIN: as node:http, a call still running is aborted, and a half-sent request is answered 400. */
  #clientEnded(): void {
    if (this.#ended) return;
    if (this.#exchange !== undefined) this.#exchange.clientGone();
    else if (this.#buffer !== undefined) this.socket.write(BAD_REQUEST, 'latin1');
    this.#close();
  }

  #closed(): void {
    this.#exchange?.clientGone();
    this.#leave();
  }

  /** The head or body did not arrive in time: node:http's 408. */
  #expired(): void {
    this.#deadline = undefined;
    if (this.#exchange !== undefined || this.#ended) return;
    this.socket.write(REQUEST_TIMEOUT, 'latin1');
    this.#close();
  }

  /** Ends the connection once what is written has left. */
  #close(): void {
    this.#ended = true;
    this.#disarm();
    this.socket.destroySoon();
  }

  #arm(ms: number): void {
    if (this.#deadline !== undefined || ms <= 0) return;
    this.#deadline = setTimeout(() => this.#expired(), ms);
    this.#deadline.unref();
  }

  #disarm(): void {
    if (this.#deadline === undefined) return;
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  /** Detaches from the socket (closed, or node:http's now) and from the server. */
  #leave(): void {
    this.#ended = true;
    this.#disarm();
    this.socket.off('data', this.#onData).off('end', this.#onEnd).off('error', this.#onError).off('close', this.#onClose).off('drain', this.#onDrain);
    this.#server.forget(this);
  }
}

/**
 * Whether bytes after `from` may complete the head (a CRLF CRLF) or show it malformed (a bare
 * LF): only then is it parsed again, so a head that trickles in is scanned once, not once a packet.
 */
function mayEndHead(buffer: Buffer, from: number): boolean {
  for (let lf = buffer.indexOf(LF, from); lf >= 0; lf = buffer.indexOf(LF, lf + 1)) {
    if (lf === 0 || buffer[lf - 1] !== CR) return true;
    if (lf >= 3 && buffer[lf - 2] === LF && buffer[lf - 3] === CR) return true;
  }
  return buffer.length >= HEAD_LIMIT;
}
