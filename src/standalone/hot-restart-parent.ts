// The newer generation's side of a hot restart: over the IPC channel its parent opened, it asks
// for the listening sockets once its own config is valid, says when it accepts on them, and
// learns when the parent has finished draining and exited.
import { type HelloMessage, isMessage, type ListenerMessage, type ReadyMessage } from './hot-restart-protocol.ts';

/** The listening handles a previous generation handed over, by key (see ListenerMessage). */
export interface Inheritance {
  /** The handle to `server.listen(handle)` on; each is taken at most once. */
  take(key: string): object | undefined;
  /**
   * Closes this process's copies of the handles no listener took (one the new command line or
   * config dropped); the parent closes its own when it drains, and then the socket is gone.
   */
  releaseRest(): void;
}

export const NOTHING_INHERITED: Inheritance = { take: () => undefined, releaseRest: () => {} };

export interface ParentLink {
  readonly pid: number;
  /** The parent's listeners; when the parent dies before sending them all, the ones that came. */
  inherit(): Promise<Inheritance>;
  /** Tells the parent that this process accepts on every listener: the parent stops accepting and drains. */
  ready(): void;
  /**
   * Lets the channel close with this process instead of holding it up: after ready(), or when the
   * process gives up (a bad config), so that it exits and its parent sees it exit.
   */
  release(): void;
  /** Resolves when the parent process has exited (its end of the channel closed). */
  readonly exited: Promise<void>;
}

/** Threads: the main thread. Throws when the process was not spawned by a sidelet (no IPC channel). */
export function connectToParent(epoch: number): ParentLink {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error(`--restart-epoch ${epoch}: set by a hot restart (SIGUSR2) for the successor it spawns, which talks to its parent over IPC; this process has no parent sidelet`);
  const post = (message: HelloMessage | ReadyMessage): void => {
    // A parent that died meanwhile is noticed through `exited`; a failed send says nothing more.
    if (process.connected) send(message, undefined, {}, () => {});
  };
  return {
    pid: process.ppid,
    exited: new Promise((resolve) => process.once('disconnect', () => resolve())),
    inherit: () =>
      new Promise((resolve) => {
        const handles = new Map<string, object>();
        const finish = (): void => {
          process.off('message', onMessage).off('disconnect', finish);
          resolve(inheritance(handles));
        };
        const onMessage = (message: unknown, handle: unknown): void => {
          if (isMessage<ListenerMessage>(message, 'sidelet.hot-restart.listener') && typeof handle === 'object' && handle !== null) handles.set(message.key, handle);
          else if (isMessage(message, 'sidelet.hot-restart.listeners-end')) finish();
        };
        process.on('message', onMessage).once('disconnect', finish);
        post({ type: 'sidelet.hot-restart.hello', epoch });
        if (!process.connected) finish();
      }),
    ready: () => {
      post({ type: 'sidelet.hot-restart.ready' });
      // Kept open to learn when the parent exits, but never what keeps this process running.
      process.channel?.unref();
    },
    release: () => process.channel?.unref(),
  };
}

/**
 * A TCP handle becomes the listening server's own; a unix socket's is re-opened from its file
 * descriptor by node (net.Server.listen takes only TCP handles as they are), and the received one
 * stays open and idle beside it: closing it would close the descriptor both share.
 */
function inheritance(handles: Map<string, object>): Inheritance {
  return {
    take: (key) => {
      const handle = handles.get(key);
      handles.delete(key);
      return handle;
    },
    releaseRest: () => {
      for (const handle of handles.values()) (handle as { close?: () => void }).close?.();
      handles.clear();
    },
  };
}
