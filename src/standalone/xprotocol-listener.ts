// The standalone sidecar's Dubbo and SOFA Bolt listener, so existing clients point at it unchanged:
// each connection's frames are read with the listener's codec (or the one its first bytes name),
// heartbeats answered here, requests relayed through the mesh concurrently and answered as they
// complete, in any order; a malformed frame closes that connection only, with a log line.
import { Server, type Socket } from 'node:net';
import type { XProtocolCodec } from '../protocols/xprotocol/codec.ts';
import { builtinProtocols } from '../protocols/xprotocol/builtin-protocols.ts';
import { type FrameConnectionOptions, readDetectedFrames, readFrames } from '../protocols/xprotocol/frame-connection.ts';
import type { XFrame } from '../protocols/xprotocol/frame.ts';
import type { ProtocolRegistry } from '../protocols/xprotocol/registry.ts';
import type { ListenerServer } from './listener-server.ts';

/** What the listener needs of the mesh: `Mesh#relay`. */
export interface FrameRelay {
  relay(frame: XFrame, options: { readonly listenerName?: string; readonly signal?: AbortSignal }): Promise<Buffer | undefined>;
}

export interface XProtocolListenerOptions {
  /** Only this protocol (`sidelet.protocol.dubbo`, `sidelet.protocol.bolt`); absent: each connection's first bytes pick it. */
  readonly protocol?: string;
  /** Route every call by this listener's table; absent: the call's service names the listener (the name template). */
  readonly listenerName?: string;
  /** Codecs; default the built-in Dubbo and Bolt ones. */
  readonly registry?: ProtocolRegistry;
  readonly maxPayloadBytes?: number;
  /** Connections closed for bad input, failed relays; default stderr. */
  readonly log?: (line: string) => void;
}

/**
 * Not listening when made: the caller binds it (`listen`) to a fresh address or an inherited
 * handle. `close()` stops accepting and closes each connection once its calls are answered;
 * `closeAllConnections()` cuts them at the end of a drain. Owned by the thread that made it.
 */
export class XProtocolServer extends Server implements ListenerServer {
  readonly #connections = new Set<ClientConnection>();
  #draining = false;

  constructor(relay: FrameRelay, options: XProtocolListenerOptions = {}) {
    super({ noDelay: true });
    const registry = options.registry ?? builtinProtocols();
    const codec = options.protocol === undefined ? undefined : registry.get(options.protocol);
    if (options.protocol !== undefined && codec === undefined) throw new TypeError(`x-protocol "${options.protocol}" is not registered (known: ${registry.names().join(', ')})`);
    const log = options.log ?? ((line: string) => console.error(`sidelet: ${line}`));
    this.on('connection', (socket: Socket) => {
      const connection = new ClientConnection(socket, relay, options.listenerName, log, () => this.#draining);
      this.#connections.add(connection);
      socket.once('close', () => this.#connections.delete(connection));
      const reading: FrameConnectionOptions = {
        onFrame: (frame, frameCodec) => connection.onFrame(frame, frameCodec),
        log,
        ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
      };
      if (codec === undefined) readDetectedFrames(socket, registry, reading);
      else readFrames(socket, codec, reading);
    });
  }

  override close(callback?: (error?: Error) => void): this {
    this.#draining = true;
    for (const connection of this.#connections) connection.endWhenIdle();
    return super.close(callback);
  }

  closeAllConnections(): void {
    for (const connection of this.#connections) connection.destroy();
  }
}

export function createXProtocolServer(relay: FrameRelay, options: XProtocolListenerOptions = {}): XProtocolServer {
  return new XProtocolServer(relay, options);
}

/** One client connection: its calls in flight and the answers going back. */
class ClientConnection {
  readonly #socket: Socket;
  readonly #relay: FrameRelay;
  readonly #listenerName: string | undefined;
  readonly #log: (line: string) => void;
  readonly #draining: () => boolean;
  /** Aborts the two-way calls still running when the client goes away; oneway ones go on. */
  readonly #gone = new AbortController();
  #inFlight = 0;

  constructor(socket: Socket, relay: FrameRelay, listenerName: string | undefined, log: (line: string) => void, draining: () => boolean) {
    this.#socket = socket;
    this.#relay = relay;
    this.#listenerName = listenerName;
    this.#log = log;
    this.#draining = draining;
    // A reset by the client is its way of leaving; 'close' follows and aborts its calls.
    socket.on('error', () => {});
    socket.once('close', () => this.#gone.abort(new Error('the client closed the connection')));
    socket.on('drain', () => socket.resume());
  }

  onFrame(frame: XFrame, codec: XProtocolCodec): void {
    if (frame.kind === 'heartbeat-request') return this.#write(codec.replyHeartbeat(frame));
    // Answers and events from a client ask nothing of the mesh; after a drain's end nothing could answer.
    if ((frame.kind !== 'request' && frame.kind !== 'oneway') || this.#socket.writableEnded) return;
    this.#inFlight++;
    const options = { ...(this.#listenerName === undefined ? {} : { listenerName: this.#listenerName }), ...(frame.kind === 'request' ? { signal: this.#gone.signal } : {}) };
    this.#relay.relay(frame, options).then(
      (answer) => {
        if (answer !== undefined) this.#write(answer);
        this.#settled();
      },
      (error: unknown) => {
        if (!this.#gone.signal.aborted) this.#log(`x-protocol ${frame.protocol} call ${String(frame.requestId)} from ${this.#socket.remoteAddress ?? 'a closed socket'}:${this.#socket.remotePort ?? ''} not relayed: ${error instanceof Error ? error.message : String(error)}`);
        this.#settled();
      },
    );
  }

  /** Ends the connection once its calls in flight are answered (a drain). */
  endWhenIdle(): void {
    if (this.#inFlight === 0) this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** A client that does not read its answers stops being read from until it does. */
  #write(bytes: Buffer): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    if (!this.#socket.write(bytes)) this.#socket.pause();
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#draining()) this.endWhenIdle();
  }
}
