// Fixtures for the HTTP/1.1 pool tests: node:http and raw TCP servers on 127.0.0.1 that count
// the connections they accept, and a handler that records every undici callback it receives.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { Http1Pool } from '../../../src/protocols/http1/http1-pool.ts';
import type { Http1Handler } from '../../../src/protocols/http1/http1-request.ts';

export interface TestServer {
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now. */
  open(): number;
  /** Resolves once the connection accepted `index`-th (from 0) has closed. */
  closedConnection(index: number): Promise<void>;
  /** Resolves once no connection is open. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export function nodeServer(onRequest: (req: IncomingMessage, res: ServerResponse) => void, setup: (server: Server) => void = () => {}): Promise<TestServer> {
  const server = createServer(onRequest);
  setup(server);
  return serve(server);
}

/** A TCP server that answers with whatever bytes `onConnection` writes: for framings node:http does not produce. */
export function rawServer(onConnection: (socket: Socket, index: number) => void): Promise<TestServer> {
  let index = 0;
  const server = createNetServer((socket) => onConnection(socket, index++));
  return serve(server);
}

async function serve(server: Server | NetServer): Promise<TestServer> {
  const sockets: Socket[] = [];
  const closed: Promise<void>[] = [];
  const open = new Set<Socket>();
  const idle: (() => void)[] = [];
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    open.add(socket);
    closed.push(
      new Promise<void>((resolve) =>
        socket.on('close', () => {
          open.delete(socket);
          if (open.size === 0) for (const done of idle.splice(0)) done();
          resolve();
        }),
      ),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    accepted: () => sockets.length,
    open: () => open.size,
    closedConnection: (i) => closed[i] ?? Promise.reject(new Error(`no connection ${i}`)),
    allClosed: () => (open.size === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
    close: async () => {
      for (const socket of open) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

export function poolFor(server: { readonly port: number }, connections = 1, connectTimeoutMs = 5000): Http1Pool {
  return new Http1Pool({ host: '127.0.0.1', port: server.port, connections, connectTimeoutMs });
}

export interface Outcome {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly trailers: Record<string, string | string[] | undefined>;
  /** What the final head said: the whole body had arrived with it. */
  readonly bodyInHand: boolean;
  /** Every callback in order: `start`, `head 103`, `head 200`, `data`, `end`, `error`. */
  readonly events: readonly string[];
}

/** A handler that records its callbacks; `done` settles at onResponseEnd (resolves) or onResponseError (rejects). */
export class Recorder implements Http1Handler {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  bodyInHand = false;
  controller: Dispatcher.DispatchController | undefined;
  readonly done: Promise<Outcome>;
  #resolve: (outcome: Outcome) => void = () => {};
  #reject: (error: Error) => void = () => {};

  constructor() {
    this.done = new Promise<Outcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Tests that expect a failure attach their own handlers; an unobserved one must not crash the runner.
    this.done.catch(() => {});
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.events.push('start');
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: ReadonlyMap<string, string>, _statusMessage: string, bodyInHand: boolean): void {
    this.events.push(`head ${status}`);
    if (status >= 200) {
      this.status = status;
      this.bodyInHand = bodyInHand;
      this.headers = Object.fromEntries(headers);
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.events.at(-1) !== 'data') this.events.push('data');
    this.chunks.push(chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: ReadonlyMap<string, string>): void {
    this.events.push('end');
    this.#resolve({ status: this.status, headers: this.headers, body: Buffer.concat(this.chunks), trailers: Object.fromEntries(trailers), bodyInHand: this.bodyInHand, events: this.events });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.events.push('error');
    this.#reject(error);
  }
}

/** Dispatches one request and waits for its outcome. */
export function exchange(pool: Http1Pool, options: Partial<Dispatcher.DispatchOptions> = {}, handler = new Recorder()): Promise<Outcome> {
  pool.dispatch({ method: 'GET', path: '/', headers: { host: 'svc.test' }, ...options }, handler);
  return handler.done;
}

/** Lets the event loop run its I/O phase twice: a FIN the peer sent before now has been read. */
export async function ioTurns(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolver, for event-driven waits. */
export function deferred<T = void>(): { readonly promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
