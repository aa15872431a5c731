// One multiplexed connection to an upstream endpoint for one x-protocol: every call on it gets a
// request id of the connection's own and its answer finds it by that id, in any order; heartbeats
// keep it alive while idle; a broken connection fails every call in flight with a local failure.
import { connect, type Socket } from 'node:net';
import type { LocalFailure } from '../../core/policy/retry-classifier.ts';
import type { XProtocolCodec } from './codec.ts';
import { readFrames } from './frame-connection.ts';
import type { XFrame } from './frame.ts';

export interface UpstreamConnectionOptions {
  /** The cluster's connect_timeout. */
  readonly connectTimeoutMs: number;
  /** A heartbeat goes out after this long without a frame from the upstream; 0: never. */
  readonly heartbeatIntervalMs: number;
  /** Heartbeat intervals without any frame from the upstream after which the connection counts as dead. */
  readonly heartbeatMisses: number;
  readonly maxPayloadBytes?: number;
  /** One line per connection closed because of the upstream (bad frame, dead). */
  readonly log: (line: string) => void;
}

/** Told once: the call's answer (undefined for a oneway request once written), or why it failed. */
export interface CallHandler {
  onAnswer(frame: XFrame | undefined): void;
  onFailure(failure: LocalFailure, detail: string): void;
}

interface PendingCall {
  readonly handler: CallHandler;
  readonly oneway: boolean;
}

/** Ids 1 … 2³¹−1, then around again: fits Bolt's 32-bit and Dubbo's 64-bit ids alike. */
const MAX_ID = 0x7fff_ffff;

/**
 * Owned by the thread whose transport made it; every method and callback runs on that thread.
 * Calls may be sent before the connection is up: the socket holds them until it connects.
 */
export class UpstreamConnection {
  readonly endpointId: string;
  readonly #codec: XProtocolCodec;
  readonly #socket: Socket;
  readonly #options: UpstreamConnectionOptions;
  readonly #pending = new Map<number, PendingCall>();
  readonly #closed: Promise<void>;
  #nextId = 1;
  #connected = false;
  /** Why the connection went or is going away; no new calls once set. */
  #ending: string | undefined;
  #draining = false;
  #heard = false;
  #silentIntervals = 0;
  /** A frame of this connection's protocol version, for heartbeats (Bolt copies its version and codec). */
  #like: XFrame | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(endpoint: { readonly id: string; readonly address: string; readonly port: number }, codec: XProtocolCodec, options: UpstreamConnectionOptions) {
    this.endpointId = endpoint.id;
    this.#codec = codec;
    this.#options = options;
    const socket = connect({ host: endpoint.address, port: endpoint.port, noDelay: true, keepAlive: true });
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.#connectTimer = setTimeout(() => this.#end(`connect timeout of ${options.connectTimeoutMs} ms to ${endpoint.id}`), options.connectTimeoutMs);
    this.#connectTimer.unref();
    socket.once('connect', () => {
      this.#connected = true;
      clearTimeout(this.#connectTimer);
      if (options.heartbeatIntervalMs > 0) {
        this.#heartbeatTimer = setInterval(() => this.#onInterval(), options.heartbeatIntervalMs);
        this.#heartbeatTimer.unref();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#ending ??= `${this.#connected ? 'connection to' : 'connect to'} ${endpoint.id} failed: ${error.code === undefined ? error.message : `${error.code}: ${error.message}`}`;
    });
    // The upstream hung up: no new calls on this connection while it finishes closing.
    socket.once('end', () => {
      this.#ending ??= `connection to ${endpoint.id} closed by the upstream`;
    });
    socket.once('close', () => this.#onClose());
    readFrames(socket, codec, {
      onFrame: (frame) => this.#onFrame(frame),
      log: (line) => {
        this.#ending ??= line;
        options.log(line);
      },
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    });
  }

  /** Takes new calls: not closing, not draining. */
  get usable(): boolean {
    return this.#ending === undefined && !this.#draining;
  }

  /** The TCP connection is up; calls sent before wait in the socket (Envoy's pending requests of a multiplexed pool). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Calls waiting for the connection to come up: all of them until it connects. */
  get waitingCalls(): number {
    return this.#connected ? 0 : this.#pending.size;
  }

  /**
   * Sends one request frame (`bytes`, owned by the connection from now on: its id is rewritten
   * in place). Returns the cancel of the call: its answer, arriving later, is dropped.
   */
  send(bytes: Buffer, oneway: boolean, handler: CallHandler): () => void {
    const id = this.#allocateId();
    this.#codec.setRequestId(bytes, id);
    if (this.#like === undefined) {
      const decoded = this.#codec.decode(bytes);
      if (decoded.kind === 'frame') this.#like = decoded.frame;
    }
    const call: PendingCall = { handler, oneway };
    this.#pending.set(id, call);
    if (this.#pending.size === 1) this.#socket.ref();
    this.#socket.write(bytes, (error) => {
      if (this.#pending.get(id) !== call) return;
      if (error !== undefined && error !== null) {
        // A failed write closes the socket, which fails the call; only a socket closed already needs it done here.
        if (!this.#socket.closed) return;
        this.#settled(id);
        return handler.onFailure(this.#connected ? 'reset' : 'connect-failure', this.#ending ?? error.message);
      }
      if (!oneway) return;
      this.#settled(id);
      handler.onAnswer(undefined);
    });
    return () => {
      if (this.#pending.get(id) === call) this.#settled(id);
    };
  }

  /** No new calls; closes once the calls in flight are answered (Dubbo's READONLY, an endpoint removed). */
  drain(): void {
    this.#draining = true;
    this.#closeIfDrained();
  }

  /** Closes now: calls in flight fail with `reset` (`connect-failure` before the connection was up). */
  destroy(reason: string): void {
    this.#end(reason);
  }

  /** Resolves once the socket has closed. */
  closed(): Promise<void> {
    return this.#closed;
  }

  #allocateId(): number {
    let id = this.#nextId;
    while (this.#pending.has(id)) id = id === MAX_ID ? 1 : id + 1;
    this.#nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }

  #onFrame(frame: XFrame): void {
    this.#heard = true;
    switch (frame.kind) {
      case 'response': {
        const id = Number(frame.requestId);
        const call = this.#pending.get(id);
        if (call === undefined || call.oneway) return;
        this.#settled(id);
        call.handler.onAnswer(frame);
        return;
      }
      case 'heartbeat-request':
        this.#socket.write(this.#codec.replyHeartbeat(frame));
        return;
      case 'event':
        // Dubbo's READONLY: the provider is shutting down and takes no new calls on this connection.
        this.drain();
        return;
      default:
        // Heartbeat answers only show the upstream is alive; an upstream's requests are not served here.
        return;
    }
  }

  /** Idle check: a heartbeat when nothing came in for an interval; dead after `heartbeatMisses` of them. */
  #onInterval(): void {
    if (this.#heard) {
      this.#heard = false;
      this.#silentIntervals = 0;
      return;
    }
    this.#silentIntervals++;
    if (this.#silentIntervals > this.#options.heartbeatMisses) {
      const line = `x-protocol ${this.#codec.name} to ${this.endpointId}: no frame in ${this.#silentIntervals} heartbeat intervals of ${this.#options.heartbeatIntervalMs} ms; closing the connection`;
      this.#options.log(line);
      return this.#end(line);
    }
    this.#socket.write(this.#codec.heartbeat(this.#allocateId(), this.#like));
  }

  /** The call is done: an idle connection does not hold the process open, a draining one closes. */
  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size > 0) return;
    this.#socket.unref();
    this.#closeIfDrained();
  }

  #closeIfDrained(): void {
    if (!this.#draining || this.#pending.size > 0 || this.#ending !== undefined) return;
    this.#ending = `connection to ${this.endpointId} drained`;
    this.#socket.end(() => this.#socket.destroy());
  }

  #end(reason: string): void {
    this.#ending ??= reason;
    this.#socket.destroy();
  }

  #onClose(): void {
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeatTimer);
    this.#ending ??= `connection to ${this.endpointId} closed by the upstream`;
    const failure: LocalFailure = this.#connected ? 'reset' : 'connect-failure';
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    const detail = calls.length > 1 ? `${this.#ending} (${calls.length} calls in flight)` : this.#ending;
    for (const call of calls) call.handler.onFailure(failure, detail);
  }
}
