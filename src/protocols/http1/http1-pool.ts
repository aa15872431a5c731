// sidelet's own HTTP/1.1 client for one plaintext origin, behind the undici Dispatcher contract
// (dispatch with a handler; close; destroy): up to `connections` keep-alive connections,
// one request on each at a time, a FIFO queue beyond them. See docs/transport-http1.md.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { Fifo } from './fifo.ts';
import { type ConnectionOwner, Http1Connection } from './http1-connection.ts';
import { Http1Error } from './http1-errors.ts';
import { type Http1Handler, Http1Request } from './http1-request.ts';
import { encodeRequest } from './request-encoding.ts';

export interface Http1PoolOptions {
  /** An IP address or a host name (resolved on each connect); IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** Connections at most (at least 1). */
  readonly connections: number;
  /** 0: no timeout of our own (the OS's applies). */
  readonly connectTimeoutMs: number;
}

/**
 * Owned by one thread: `dispatch`, `close` and `destroy` are called on it, and handlers are
 * called back on it. Handlers follow undici 7's DispatchHandler contract (onRequestStart when a
 * connection takes the request, onResponseStart for 1xx and final heads, onResponseData,
 * onResponseEnd or onResponseError once), with heads and trailers as maps (Http1Handler).
 */
export class Http1Pool implements ConnectionOwner {
  readonly #options: Http1PoolOptions;
  readonly #max: number;
  /** The Host a request gets when its headers have none. */
  readonly #authority: string;
  readonly #queue = new Fifo<Http1Request>();
  /** Connections free for a request; the last released is taken first, so spare ones go idle and close. */
  readonly #idle: Http1Connection[] = [];
  /** Every connection that can still carry requests (connecting, idle or busy). */
  readonly #live = new Set<Http1Connection>();
  #connecting = 0;
  /** Sockets not closed yet (`live` plus those whose close is under way). */
  #sockets = 0;
  #closed = false;
  #destroyed = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #drained: (() => void)[] = [];

  constructor(options: Http1PoolOptions) {
    this.#options = options;
    this.#max = Math.max(1, Math.floor(options.connections));
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.#authority = `${host}:${options.port}`;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Http1Handler): void {
    const req = new Http1Request(handler);
    if (this.#closed) return req.fail(this.#closedError());
    const invalid = encodeRequest(options, this.#authority, req);
    if (invalid !== undefined) return req.fail(invalid);
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      if (!idle.start(req)) this.#assign(idle);
      return;
    }
    this.#queue.push(req);
    if (this.#connecting < this.#queue.length && this.#live.size < this.#max) this.#open();
  }

  /** Requests dispatched (queued ones too) finish; then the connections close. Later dispatches fail. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopSweep();
      for (const connection of this.#idle.splice(0)) connection.destroy();
    }
    return this.#whenDrained();
  }

  /** Every request in flight or queued fails (onResponseError) and every connection closes now. */
  destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#closed = true;
      this.#destroyed = true;
      this.#stopSweep();
      const error = this.#closedError();
      this.#idle.length = 0;
      for (let req = this.#queue.shift(); req !== undefined; req = this.#queue.shift()) req.fail(error);
      for (const connection of [...this.#live]) connection.destroy(error);
    }
    return this.#whenDrained();
  }

  connected(connection: Http1Connection): void {
    this.#connecting--;
    this.#assign(connection);
  }

  released(connection: Http1Connection): void {
    this.#assign(connection);
  }

  gone(connection: Http1Connection, connectError: Error | undefined): void {
    if (!this.#live.delete(connection)) return;
    if (!connection.opened) this.#connecting--;
    const at = this.#idle.indexOf(connection);
    if (at !== -1) this.#idle.splice(at, 1);
    if (connectError !== undefined) {
      // Envoy's rule: a connect failure fails every request waiting for a connection
      // (ConnPoolImplBase::onConnectionEvent purges pending streams), so none waits on a dead endpoint.
      for (let req = this.#queue.shift(); req !== undefined; req = this.#queue.shift()) req.fail(connectError);
    } else if (!this.#destroyed && this.#connecting < this.#queue.length && this.#live.size < this.#max) {
      // A connection that closed after its response (connection: close) hands its place to a waiting request.
      this.#open();
    }
  }

  closed(_connection: Http1Connection): void {
    this.#sockets--;
    this.#checkDrained();
  }

  #open(): void {
    const connection = new Http1Connection(this, this.#options);
    this.#live.add(connection);
    this.#connecting++;
    this.#sockets++;
  }

  /** A free connection takes the oldest waiting request, else waits idle (or closes once the pool is closed). */
  #assign(connection: Http1Connection): void {
    for (let req = this.#queue.shift(); req !== undefined; req = this.#queue.shift()) {
      if (!req.settled && connection.start(req)) return;
    }
    if (this.#closed) return connection.destroy();
    connection.idleDeadline = performance.now() + connection.keepAliveMs;
    connection.idle();
    this.#idle.push(connection);
    if (this.#sweepTimer === undefined) this.#armSweep(connection.keepAliveMs);
    this.#checkDrained();
  }

  #armSweep(ms: number): void {
    this.#sweepTimer = setTimeout(this.#sweep, Math.max(1, Math.ceil(ms)));
    // Idle sockets hold the process open themselves; the timer only serves them.
    this.#sweepTimer.unref();
  }

  #stopSweep(): void {
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Closes the connections idle past their keep-alive time (the oldest sit at the bottom of the stack). */
  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const connection of [...this.#idle]) {
      if (connection.idleDeadline <= now) connection.destroy();
      else next = Math.min(next, connection.idleDeadline);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next - now);
  };

  #closedError(): Http1Error {
    return this.#destroyed
      ? new Http1Error('SIDELET_HTTP1_POOL_DESTROYED', `the HTTP/1.1 pool to ${this.#authority} was destroyed`)
      : new Http1Error('SIDELET_HTTP1_POOL_CLOSED', `the HTTP/1.1 pool to ${this.#authority} is closed`);
  }

  #whenDrained(): Promise<void> {
    if (this.#sockets === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #checkDrained(): void {
    if (!this.#closed || this.#sockets !== 0 || this.#queue.length !== 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
