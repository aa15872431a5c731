// The older generation's side of a hot restart: spawns the successor (the same command with
// --restart-epoch N+1), hands it every listening socket once the successor's config is valid, and
// resolves when it accepts on them. A successor that fails leaves this process serving.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:net';
import { type HelloMessage, isMessage, type ListenerMessage, type ListenersEndMessage, type ReadyMessage } from './hot-restart-protocol.ts';

/** A listening server and the name both generations give it (see ListenerMessage). */
export interface HandedListener {
  readonly key: string;
  readonly server: Server;
}

export interface SuccessorOptions {
  /** The successor's epoch (this process's plus one). */
  readonly epoch: number;
  /** What follows the node executable: node's own flags, the script, and the command line without --restart-epoch. */
  readonly args: readonly string[];
  /** Read when the successor asks, so they are the servers listening at that moment. */
  readonly listeners: () => readonly HandedListener[];
  /** A successor not ready by then is killed (a config that hangs on load, a stuck start). */
  readonly timeoutMs: number;
  /** Aborted (this process is stopping): a successor not ready yet is killed. */
  readonly signal?: AbortSignal;
}

export interface Successor {
  readonly pid: number;
  readonly epoch: number;
}

/**
 * Threads: the main thread, which owns the servers. Resolves once the successor says it accepts
 * on every listener; rejects with the reason (it exited, could not start, or timed out) otherwise.
 * Stdout and stderr are shared, so the successor's own error (a bad config) is printed by it.
 */
export function startSuccessor(options: SuccessorOptions): Promise<Successor> {
  const child = spawn(process.execPath, [...options.args, '--restart-epoch', String(options.epoch)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const name = `epoch ${options.epoch}${child.pid === undefined ? '' : ` (pid ${child.pid})`}`;
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.off('exit', onExit).off('error', onError).off('message', onMessage);
    };
    const fail = (why: string): void => {
      settle();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`${name} ${why}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
    const onError = (error: Error): void => fail(`failed: ${error.message}`);
    const onAbort = (): void => fail('was stopped: this process is stopping');
    const onMessage = (message: unknown): void => {
      if (isMessage<HelloMessage>(message, 'sidelet.hot-restart.hello')) return sendListeners(child, options.listeners());
      if (!isMessage<ReadyMessage>(message, 'sidelet.hot-restart.ready') || child.pid === undefined) return;
      settle();
      // The channel stays open but no longer holds this process up: it closes when this process
      // exits, which is how the successor learns that the drain is over.
      child.channel?.unref();
      child.unref();
      resolve({ pid: child.pid, epoch: options.epoch });
    };
    const timer = setTimeout(() => fail(`was not ready within ${options.timeoutMs} ms`), options.timeoutMs);
    child.on('exit', onExit).on('error', onError).on('message', onMessage);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort);
  });
}

/**
 * Sends each server's native handle rather than the net.Server: a net.Server in a message makes
 * the receiver listen on it at once, and the successor's own server (node:http, HTTP/2, ...) must
 * be the one accepting. Sending does not close anything here: this process keeps accepting until
 * the successor is ready, both on the same kernel socket and accept queue.
 */
function sendListeners(child: ChildProcess, listeners: readonly HandedListener[]): void {
  for (const { key, server } of listeners) {
    const handle = (server as unknown as { _handle: object | null })._handle;
    if (handle === null) continue;
    child.send({ type: 'sidelet.hot-restart.listener', key } satisfies ListenerMessage, handle as Server);
  }
  child.send({ type: 'sidelet.hot-restart.listeners-end' } satisfies ListenersEndMessage);
}
