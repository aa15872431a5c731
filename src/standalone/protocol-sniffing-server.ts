// HTTP/1.1 and h2c on one port (Envoy's codec_type AUTO for cleartext): a TCP front that reads
// a connection's first bytes, and hands it to the HTTP/2 server when they are the HTTP/2
// connection preface (RFC 9113 §3.4), else to the HTTP/1.1 server. Node's own `allowHTTP1`
// applies to TLS servers only (it decides by ALPN).
import type { Server as HttpServer } from 'node:http';
import type { Http2Server } from 'node:http2';
import { Server, type Socket } from 'node:net';
import type { ListenerServer } from './listener-server.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A connection that sends too little to tell its protocol within this is closed (node:http's headersTimeout default). */
const SNIFF_TIMEOUT_MS = 60_000;

/** Owned by the main thread; the inner servers never listen themselves. */
class SniffingServer extends Server implements ListenerServer {
  readonly #http1: HttpServer;
  readonly #http2: Http2Server & ListenerServer;
  /** Connections whose protocol is not known yet. */
  readonly #sniffing = new Set<Socket>();

  constructor(http1: HttpServer, http2: Http2Server & ListenerServer) {
    // As node:http's own server: a client's half-close must not end the answer still to come.
    super({ allowHalfOpen: true, noDelay: true });
    this.#http1 = http1;
    this.#http2 = http2;
    this.on('connection', (socket: Socket) => this.#sniff(socket));
    // node:http tracks connections (for closeIdleConnections, closeAllConnections and its request
    // timeouts) from its 'listening' event, which this server's listening stands for.
    this.on('listening', () => http1.emit('listening'));
  }

  /** Stops accepting; HTTP/1.1 idle connections close, HTTP/2 sessions get a GOAWAY, undecided connections are dropped. */
  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
    this.#http1.close();
    this.#http2.close();
    for (const socket of this.#sniffing) socket.destroy();
    return this;
  }

  closeAllConnections(): void {
    this.#http1.closeAllConnections();
    this.#http2.closeAllConnections();
    for (const socket of this.#sniffing) socket.destroy();
  }

  #sniff(socket: Socket): void {
    this.#sniffing.add(socket);
    let seen: Buffer = Buffer.alloc(0);
    const onError = (): void => void socket.destroy();
    const onClose = (): void => void this.#sniffing.delete(socket);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const http2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (http2 && seen.length < PREFACE.length) return;
      socket.off('data', onData).off('error', onError).off('close', onClose).setTimeout(0);
      this.#sniffing.delete(socket);
      // The bytes read go back in front of the stream: the HTTP/2 session reads a socket's
      // buffered data when it starts, node:http once the socket flows again.
      socket.pause();
      socket.unshift(seen);
      if (http2) {
        this.#http2.emit('connection', socket);
      } else {
        this.#http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData).on('error', onError).once('close', onClose);
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
  }
}

export function createSniffingServer(http1: HttpServer, http2: Http2Server & ListenerServer): ListenerServer {
  return new SniffingServer(http1, http2);
}
