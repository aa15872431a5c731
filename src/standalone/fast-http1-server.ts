// sidelet run's HTTP/1.1 listener (docs/standalone-http1-fast-path.md): a net.Server that parses
// requests itself and calls the mesh directly for the simple ones, and hands any connection that
// sends something else (a chunked or large body, 100-continue, an upgrade, a malformed request)
// to the node:http listener at a request boundary. Clients see the same answers either way.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'node:net';
import type { DirectCalls, MeshDispatcher } from '../api/mesh-dispatcher.ts';
import { type ConnectionServer, FastConnection } from './fast-http1-connection.ts';
import { createHttp1Server, type ListenerRouting } from './http-listener.ts';
import type { ListenerServer } from './listener-server.ts';

/**
 * Owned by the main thread, which also owns the dispatcher. Its timeouts are node:http's
 * defaults and names (run-drain reads keepAliveTimeout to know how long idle connections live).
 */
export class FastHttp1Server extends Server implements ListenerServer, ConnectionServer {
  keepAliveTimeout = 5000;
  keepAliveTimeoutBuffer = 1000;
  headersTimeout = 60_000;
  requestTimeout = 300_000;
  readonly direct: DirectCalls;
  readonly routing: ListenerRouting;
  /** The fallback: it never listens itself; connections come to it from this server. */
  readonly #http1: HttpServer;
  readonly #connections = new Set<FastConnection>();
  #fallbacks = 0;
  /**
   * Closes connections idle past the keep-alive timeout: one timer for the server, armed for the
   * earliest such deadline, instead of a socket timeout that every read and write of every
   * connection would re-arm.
   */
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(dispatcher: MeshDispatcher, routing: ListenerRouting) {
    // As node:http's own server: a client's half-close is the listener's to handle, and answers go out unbuffered by Nagle.
    super({ allowHalfOpen: true, noDelay: true });
    this.direct = dispatcher.direct;
    this.routing = routing;
    this.#http1 = createHttp1Server(dispatcher, routing, () => this.closing());
    this.on('connection', (socket: Socket) => void this.#connections.add(new FastConnection(socket, this)));
    // node:http tracks connections (for closeIdleConnections, closeAllConnections and its
    // request timeouts) from its 'listening' event, which this server's listening stands for.
    this.on('listening', () => this.#http1.emit('listening'));
  }

  /** Connections handed to node:http so far (their requests were not simple, or not well-formed). */
  get fallbacks(): number {
    return this.#fallbacks;
  }

  closing(): boolean {
    return !this.listening;
  }

  fallBack(socket: Socket, unread: Buffer | undefined): void {
    this.#fallbacks += 1;
    socket.pause();
    if (unread !== undefined) socket.unshift(unread);
    this.#http1.emit('connection', socket);
    socket.resume();
  }

  forget(connection: FastConnection): void {
    this.#connections.delete(connection);
  }

  wentIdle(connection: FastConnection): void {
    if (this.#sweepTimer === undefined && this.keepAliveTimeout > 0) this.#armSweep(connection.idleSince + this.#idleLimit() - performance.now());
  }

  /** ms an idle connection is kept: node:http's keepAliveTimeout plus its keepAliveTimeoutBuffer. */
  #idleLimit(): number {
    return this.keepAliveTimeout + this.keepAliveTimeoutBuffer;
  }

  #armSweep(ms: number): void {
    this.#sweepTimer = setTimeout(this.#sweep, Math.max(1, Math.ceil(ms)));
    // Idle connections do not keep the process alive for this timer's sake.
    this.#sweepTimer.unref();
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    if (this.keepAliveTimeout <= 0) return;
    const limit = this.#idleLimit();
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const connection of this.#connections) {
      if (!connection.idle) continue;
      const due = connection.idleSince + limit;
      if (due <= now) connection.destroy();
      else next = Math.min(next, due);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next - now);
  };

  /**
   * Stops accepting and closes idle connections now, on either path; the others close after
   * their answer in flight (it says `connection: close`).
   */
  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#http1.close();
    for (const connection of this.#connections) if (connection.idle) connection.destroy();
    return this;
  }

  closeAllConnections(): void {
    this.#http1.closeAllConnections();
    for (const connection of this.#connections) connection.destroy();
  }
}

/** The outbound listener (`--listen`, `--uds`): the Host (or an absolute-form target) names the service. */
export function createOutboundServer(dispatcher: MeshDispatcher, routing: ListenerRouting = {}): FastHttp1Server {
  return new FastHttp1Server(dispatcher, routing);
}
