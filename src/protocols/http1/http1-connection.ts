// One plaintext HTTP/1.1 connection of sidelet's client: writes a request (head and body in one
// write when buffered; a stream with backpressure), reads the response head and body with RFC
// 9112 §6.3 framing, honours the handler's pause, and says whether the connection can be reused.
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ByteAccumulator } from './byte-accumulator.ts';
import { type ChunkSink, ChunkedDecoder } from './chunked-decoder.ts';
import { NO_FIELDS } from './field-lines.ts';
import { badResponse, Http1Error } from './http1-errors.ts';
import type { Http1Request, RequestCarrier } from './http1-request.ts';
import { findEmptyLine, MAX_HEAD_BYTES } from './http1-syntax.ts';
import { parseResponseHead } from './response-head.ts';

/** What a connection tells the pool that owns it; called on the pool's thread. */
export interface ConnectionOwner {
  /** Connected: give it a request or keep it idle. */
  connected(connection: Http1Connection): void;
  /** The response ended and the connection may carry the next request. */
  released(connection: Http1Connection): void;
  /** The connection can carry nothing more (closed, failed, destroyed); `connectError` when it never connected. Called once. */
  gone(connection: Http1Connection, connectError: Error | undefined): void;
  /** Its socket is closed (after `gone`). */
  closed(connection: Http1Connection): void;
}

/** Idle keep-alive without a Keep-Alive hint from the server (undici's keepAliveTimeout). */
export const DEFAULT_KEEP_ALIVE_MS = 4000;
/** How much sooner than the server's Keep-Alive timeout an idle connection is closed (undici's keepAliveTimeoutThreshold here). */
export const KEEP_ALIVE_MARGIN_MS = 1000;
/** The longest a connection stays idle whatever the server says (undici's keepAliveMaxTimeout). */
export const MAX_KEEP_ALIVE_MS = 600_000;

const CONNECTING = 0;
const OPEN = 1;
const GONE = 2;

/** Reading a response head (also between 1xx heads). */
const HEAD = 0;
const LENGTH = 1;
const CHUNKED = 2;
const UNTIL_CLOSE = 3;

/**
 * Informational (1xx) heads a response may send before its final one. A server that sends them
 * without end would otherwise keep the request alive on progress alone (each one counts for the
 * idle timeouts).
 */
export const MAX_INFORMATIONAL_HEADS = 16;

/** Socket reads go into per-connection slabs of this size (as Node's own reads go into 64 KiB buffers). */
const SLAB_BYTES = 64 * 1024;
/** A new slab is started when less than this is left of the current one. */
const MIN_READ_BYTES = 16 * 1024;

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
}

/** Owned by the pool's thread; the pool calls `start` only while the connection is open and free. */
export class Http1Connection implements RequestCarrier, ChunkSink {
  readonly #owner: ConnectionOwner;
  readonly #socket: Socket;
  readonly #where: string;
  #state = CONNECTING;
  #opened = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #connectError: Error | undefined;
  #socketError: Error | undefined;
  #req: Http1Request | undefined;
  #phase = HEAD;
  /** 1xx heads of the current response so far. */
  #informational = 0;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  /** A response head split over reads. */
  #partial: ByteAccumulator | undefined;
  /** Bytes read but not handed on because the handler paused. */
  #held: Buffer | undefined;
  /** Where reads go: the unused end of `#slab`. */
  #slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #slabUsed = 0;
  /** The last read handed out slices of the slab (body data, bytes held): the next read goes after them. */
  #slabKept = false;
  #processing = false;
  #socketPaused = false;
  /** The server ended its side (FIN). */
  #eof = false;
  /** The current response lets the connection be reused. */
  #reuse = false;
  #stream: Readable | undefined;
  #streamChunked = false;
  #streamLeft = 0;
  /** A request whose connection was destroyed, to fail when the socket has closed. */
  #failOnClose: { readonly req: Http1Request; readonly error: Error } | undefined;
  /** The request (head and body) has been written in full. */
  #requestWritten = true;
  /** How long it may stay idle: the server's Keep-Alive hint less a margin, else DEFAULT_KEEP_ALIVE_MS. */
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  /** When idle: the performance.now() after which the pool closes it. */
  idleDeadline = 0;

  constructor(owner: ConnectionOwner, options: ConnectionOptions) {
    this.#owner = owner;
    this.#where = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    // `onread` hands each read to #onRead without the Readable machinery ('data' events, push, a buffer per read).
    const socket = connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      onread: { buffer: this.#nextReadBuffer, callback: this.#onRead },
    });
    this.#socket = socket;
    socket.on('connect', this.#onConnect);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    if (options.connectTimeoutMs > 0) {
      const ms = options.connectTimeoutMs;
      this.#connectTimer = setTimeout(() => {
        this.#connectError = new Http1Error('UND_ERR_CONNECT_TIMEOUT', `connect to ${this.#where} timed out after ${ms} ms`);
        socket.destroy();
      }, ms);
    }
  }

  /** Waits for the next request without keeping the process alive. */
  idle(): void {
    this.#socket.unref();
  }

  /** It connected at some point (the pool counts connections still connecting apart). */
  get opened(): boolean {
    return this.#opened;
  }

  /**
   * Takes `req`: tells its handler, then writes it. False when the handler aborted it in
   * onRequestStart: nothing was written and the connection is still free.
   */
  start(req: Http1Request): boolean {
    this.#req = req;
    if (!req.start(this)) {
      this.#req = undefined;
      return false;
    }
    this.#phase = HEAD;
    this.#informational = 0;
    const socket = this.#socket;
    // Idle, the socket does not keep the process alive (as undici's); carrying a request, it does.
    socket.ref();
    if (req.whole !== undefined) {
      socket.write(req.whole);
    } else if (req.tail !== undefined) {
      socket.cork();
      socket.write(req.head, 'latin1');
      socket.write(req.tail);
      socket.uncork();
    } else {
      socket.write(req.head, 'latin1');
    }
    const stream = req.stream;
    if (stream === undefined) {
      this.#requestWritten = true;
    } else {
      this.#requestWritten = false;
      this.#stream = stream;
      this.#streamChunked = req.streamLength === -1;
      this.#streamLeft = req.streamLength;
      stream.on('data', this.#onStreamData);
      stream.on('end', this.#onStreamEnd);
      stream.on('error', this.#onStreamError);
      stream.resume();
    }
    return true;
  }

  /**
   * Closes the connection now; its request, if any, fails with `error` once the socket has
   * closed (as undici's do), so a pool's destroy() has failed every request by the time it resolves.
   */
  destroy(error?: Error): void {
    const req = this.#req;
    this.#req = undefined;
    if (req !== undefined) this.#failOnClose = { req, error: error ?? new Http1Error('SIDELET_HTTP1_CLOSED', `the connection to ${this.#where} was closed`) };
    this.#close();
  }

  abortRequest(req: Http1Request): void {
    if (this.#req !== req) return;
    this.#req = undefined;
    this.#close();
  }

  pauseReading(): void {
    if (this.#socketPaused || this.#state === GONE) return;
    this.#socketPaused = true;
    this.#socket.pause();
  }

  resumeReading(): void {
    if (this.#socketPaused) {
      this.#socketPaused = false;
      this.#socket.resume();
    }
    // A resume from inside a handler callback: the loop reading the current buffer carries on.
    if (this.#processing) return;
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      this.#process(held);
    }
    if (this.#eof && this.#held === undefined) this.#atEof();
  }

  onChunkData(data: Buffer): boolean {
    const req = this.#req!;
    this.#slabKept = true;
    req.responseData(data);
    return this.#req === req && !req.paused;
  }

  readonly #onConnect = (): void => {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    if (this.#state !== CONNECTING) return;
    this.#state = OPEN;
    this.#opened = true;
    this.#owner.connected(this);
  };

  /**
   * The next read's buffer. Bytes handed out (body slices, bytes held) are never overwritten: the
   * next read goes after them, and into a new slab when little is left; otherwise the same memory
   * is read into again.
   */
  readonly #nextReadBuffer = (): Buffer => {
    if (this.#slabKept) {
      this.#slabKept = false;
      if (SLAB_BYTES - this.#slabUsed < MIN_READ_BYTES) {
        this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        this.#slabUsed = 0;
      }
    }
    return this.#slab.subarray(this.#slabUsed);
  };

  readonly #onRead = (bytes: number, buf: Uint8Array): boolean => {
    const start = this.#slabUsed;
    this.#onData((buf as Buffer).subarray(0, bytes));
    // Conservative: any read that reached a body or was held keeps its bytes.
    if (this.#slabKept) this.#slabUsed = start + bytes;
    return true;
  };

  readonly #onEnd = (): void => {
    this.#eof = true;
    if (this.#held === undefined) this.#atEof();
  };

  readonly #onError = (error: Error): void => {
    this.#socketError ??= error;
  };

  readonly #onClose = (): void => {
    clearTimeout(this.#connectTimer);
    if (this.#state === CONNECTING) {
      this.#state = GONE;
      this.#owner.gone(this, this.#connectError ?? this.#socketError ?? new Http1Error('SIDELET_HTTP1_CLOSED', `the connection to ${this.#where} closed while connecting`));
    } else if (this.#state === OPEN) {
      // A clean close with bytes still held for a paused reader: they are read when it resumes.
      if (this.#held === undefined || this.#socketError !== undefined) {
        const req = this.#req;
        this.#req = undefined;
        this.#close();
        req?.fail(this.#socketError ?? this.#closedError());
      } else {
        this.#eof = true;
        this.#leave();
      }
    }
    const destroyed = this.#failOnClose;
    this.#failOnClose = undefined;
    destroyed?.req.fail(destroyed.error);
    this.#owner.closed(this);
  };

  readonly #onDrain = (): void => {
    this.#stream?.resume();
  };

  readonly #onStreamData = (chunk: Buffer | string): void => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.length === 0) return;
    const socket = this.#socket;
    let more: boolean;
    if (this.#streamChunked) {
      socket.cork();
      socket.write(`${data.length.toString(16)}\r\n`, 'latin1');
      socket.write(data);
      more = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      if (data.length > this.#streamLeft) return this.#fail(new Http1Error('SIDELET_HTTP1_BODY', `request body: longer than its content-length, sending to ${this.#where}`));
      this.#streamLeft -= data.length;
      more = socket.write(data);
    }
    if (!more) this.#stream?.pause();
  };

  readonly #onStreamEnd = (): void => {
    if (this.#streamChunked) this.#socket.write('0\r\n\r\n', 'latin1');
    else if (this.#streamLeft !== 0) return this.#fail(new Http1Error('SIDELET_HTTP1_BODY', `request body: ${this.#streamLeft} bytes short of its content-length, sending to ${this.#where}`));
    this.#detachStream();
    this.#requestWritten = true;
  };

  readonly #onStreamError = (error: Error): void => {
    this.#fail(new Http1Error('SIDELET_HTTP1_BODY', `request body: ${error.message}`, { cause: error }));
  };

  /** A read: bytes arriving while the handler is paused wait for its resume. */
  #onData(chunk: Buffer): void {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = Buffer.concat([held, chunk]);
      return;
    }
    if (this.#req?.paused) {
      this.#slabKept = true;
      this.#held = chunk;
      return;
    }
    this.#process(chunk);
  }

  /** Reads `buf` for the current request; a fault in it, or a handler throwing, fails the request and closes the connection. */
  #process(buf: Buffer): void {
    const req = this.#req;
    if (req === undefined) {
      // Bytes with no request to answer (no pipelining here): the connection is out of step.
      this.#close();
      return;
    }
    this.#processing = true;
    try {
      this.#read(buf, req);
    } catch (error) {
      if (this.#req !== req) throw error;
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#processing = false;
    }
  }

  #read(input: Buffer, req: Http1Request): void {
    let buf = input;
    let len = buf.length;
    let p = 0;
    while (p < len) {
      switch (this.#phase) {
        case HEAD: {
          const partial = this.#partial;
          if (partial !== undefined) {
            const before = partial.length;
            partial.append(buf, p);
            if (findEmptyLine(partial.view(), 0, before) === -1) {
              if (partial.length > MAX_HEAD_BYTES) throw badResponse(`response head: larger than ${MAX_HEAD_BYTES} bytes`);
              return;
            }
            this.#partial = undefined;
            buf = partial.take();
            len = buf.length;
            p = 0;
          }
          const head = parseResponseHead(buf, p);
          if (head === undefined) {
            this.#partial = new ByteAccumulator();
            this.#partial.append(buf, p);
            return;
          }
          p = head.headEnd;
          const status = head.status;
          if (status < 200) {
            if (status === 101) throw badResponse('response head: 101 Switching Protocols, but no upgrade was asked for');
            if (++this.#informational > MAX_INFORMATIONAL_HEADS) throw badResponse(`response head: more than ${MAX_INFORMATIONAL_HEADS} informational (1xx) heads before the final one`);
            req.responseStart(status, head.headers, head.reason);
            if (this.#req !== req) return;
            break;
          }
          let reuse = !head.connectionClose && !req.closeRequested;
          const hint = head.keepAliveTimeoutMs;
          if (hint === undefined) {
            this.keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
          } else {
            this.keepAliveMs = Math.min(hint - KEEP_ALIVE_MARGIN_MS, MAX_KEEP_ALIVE_MS);
            if (this.keepAliveMs <= 0) reuse = false;
          }
          let phase: number;
          if (req.isHead || status === 204 || status === 304) phase = -1;
          else if (head.chunked) phase = CHUNKED;
          else if (head.contentLength !== undefined) phase = head.contentLength === 0 ? -1 : LENGTH;
          else {
            phase = UNTIL_CLOSE;
            reuse = false;
          }
          this.#reuse = reuse;
          req.responseStart(status, head.headers, head.reason, phase === -1 || (phase === LENGTH && len - p >= head.contentLength!));
          if (this.#req !== req) return;
          if (phase === -1) return this.#complete(req, NO_FIELDS, p === len);
          this.#phase = phase;
          if (phase === LENGTH) this.#remaining = head.contentLength!;
          else if (phase === CHUNKED) (this.#decoder ??= new ChunkedDecoder(this)).reset();
          if (req.paused && p < len) return this.#hold(buf, p);
          break;
        }
        case LENGTH: {
          const n = Math.min(this.#remaining, len - p);
          const chunk = p === 0 && n === len ? buf : buf.subarray(p, p + n);
          p += n;
          this.#remaining -= n;
          this.#slabKept = true;
          req.responseData(chunk);
          if (this.#req !== req) return;
          if (this.#remaining === 0) return this.#complete(req, NO_FIELDS, p === len);
          break;
        }
        case CHUNKED: {
          const decoder = this.#decoder!;
          p = decoder.feed(buf, p);
          if (this.#req !== req) return;
          if (decoder.done) return this.#complete(req, decoder.trailers, p === len);
          if (p < len) return this.#hold(buf, p);
          break;
        }
        default: {
          const chunk = p === 0 ? buf : buf.subarray(p);
          p = len;
          this.#slabKept = true;
          req.responseData(chunk);
          if (this.#req !== req) return;
        }
      }
    }
  }

  #hold(buf: Buffer, p: number): void {
    this.#slabKept = true;
    this.#held = buf.subarray(p);
  }

  /** The response is complete: the connection goes back to the pool or closes, then the handler hears the end. */
  #complete(req: Http1Request, trailers: ReadonlyMap<string, string>, nothingAfter: boolean): void {
    this.#req = undefined;
    this.#phase = HEAD;
    if (this.#socketPaused) {
      this.#socketPaused = false;
      this.#socket.resume();
    }
    // Bytes after the response, with no request for them, put the connection out of step.
    if (this.#reuse && nothingAfter && this.#requestWritten && !this.#eof && this.#state === OPEN) this.#owner.released(this);
    else this.#close();
    req.responseEnd(trailers);
  }

  /** The server ended its side with no bytes held back: an idle connection leaves the pool, a response that runs until the close ends. */
  #atEof(): void {
    const req = this.#req;
    if (req === undefined) return this.#close();
    if (this.#phase === UNTIL_CLOSE) return this.#complete(req, NO_FIELDS, true);
    this.#fail(this.#closedError());
  }

  #fail(error: Error): void {
    const req = this.#req;
    this.#req = undefined;
    this.#close();
    req?.fail(error);
  }

  #closedError(): Http1Error {
    const when = this.#phase === HEAD ? 'before the response head' : 'before the end of the response body';
    return new Http1Error('SIDELET_HTTP1_CLOSED', `${this.#where} closed the connection ${when}`);
  }

  /** Closes the connection: drops what it holds, stops a request body being sent, leaves the pool. */
  #close(): void {
    this.#held = undefined;
    this.#partial = undefined;
    if (this.#stream !== undefined) {
      const stream = this.#stream;
      this.#detachStream();
      if (!stream.readableEnded) stream.destroy();
    }
    this.#leave();
  }

  #leave(): void {
    if (this.#state === GONE) return;
    this.#state = GONE;
    clearTimeout(this.#connectTimer);
    this.#socket.destroy();
    this.#owner.gone(this, undefined);
  }

  #detachStream(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#stream = undefined;
    stream.off('data', this.#onStreamData);
    stream.off('end', this.#onStreamEnd);
    stream.off('error', this.#onStreamError);
  }
}
