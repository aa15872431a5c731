// The messages two generations of `sidelet run` exchange during a hot restart, over the IPC
// channel the older one opens when it spawns the newer one (docs/standalone.md, "Hot restart").
// The only place that defines what crosses between them.

/** Successor → parent: the successor's config is loaded and valid; send the listening sockets. */
export interface HelloMessage {
  readonly type: 'sidelet.hot-restart.hello';
  readonly epoch: number;
}

/**
 * Parent → successor, carrying one listening handle: the listener it belongs to, named as both
 * generations name it (`tcp 127.0.0.1:15001`, `unix /run/sidelet.sock`, `admin 127.0.0.1:15000`).
 */
export interface ListenerMessage {
  readonly type: 'sidelet.hot-restart.listener';
  readonly key: string;
}

/** Parent → successor: every listener has been sent. */
export interface ListenersEndMessage {
  readonly type: 'sidelet.hot-restart.listeners-end';
}

/** Successor → parent: it accepts on every listener; the parent stops accepting and drains. */
export interface ReadyMessage {
  readonly type: 'sidelet.hot-restart.ready';
}

export type ToParent = HelloMessage | ReadyMessage;
export type ToSuccessor = ListenerMessage | ListenersEndMessage;

/** Narrows a message read from the channel (anything may arrive on it) to one of these types. */
export function isMessage<M extends ToParent | ToSuccessor>(value: unknown, type: M['type']): value is M {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
