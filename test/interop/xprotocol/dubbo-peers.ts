// Real Dubbo peers: an apache-dubbo-service provider (with an in-memory registry instead of
// ZooKeeper) and a dubbo2.js consumer connected straight to it through DirectlyDubbo.
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DubboService, dubboSetting } from 'apache-dubbo-service';
// The package root would also load dubbo2.js's ZooKeeper client, which installs a process-wide
// unhandledRejection handler that swallows rejections; the direct client needs none of it.
import directlyDubbo, { type DirectlyDubbo } from 'dubbo2.js/es7/directly-dubbo.js';
import java, { type JavaValue } from 'js-to-java';
import { answer, CallLog, ECHO_INTERFACE, failMessage, faultMessage, PeerCallError, Timers, type Fault, type ServedCall } from './echo-service.ts';

type ProviderProps = Parameters<typeof DubboService.from>[0];
type MatchThunk = Parameters<typeof dubboSetting.matchThunk>[0];

/**
 * apache-dubbo-service takes each service's version and group from one process-wide setting,
 * looked up by the service's key while a provider starts. Fixture keys carry the instance name
 * and live here only until their provider is up. The library's typings say a thunk always
 * returns a setting; its code reads a missing one as "not mine", which the cast states.
 */
const SETTINGS = new Map<string, { readonly group: string; readonly version: string }>();
dubboSetting.matchThunk(((key: string) => SETTINGS.get(key)) as MatchThunk);

/** The slice of apache-dubbo-service's request context the fixture reads (its typings lose it). */
interface ProviderContext {
  readonly request: {
    readonly methodName: string;
    readonly args?: unknown[];
    readonly attachment: { readonly path: string; readonly version: string; readonly group?: string } & Record<string, unknown>;
  };
}

export interface DubboProviderOptions {
  /** Named in every answer, so a test sees which instance served a call. */
  readonly name: string;
  /** Versions of com.example.EchoService served; a call for another gets SERVICE_NOT_FOUND. */
  readonly versions?: readonly string[];
  /** The Dubbo group served; the empty group when not set. */
  readonly group?: string;
}

export interface DubboProvider {
  readonly name: string;
  /** Where to connect; the library itself listens on every interface. */
  readonly host: string;
  readonly port: number;
  /** Calls that reached a served version, in arrival order. */
  readonly calls: readonly ServedCall[];
  untilCalls(count: number): Promise<void>;
  /** The dubbo:// URLs the library published to the registry, one a served version. */
  readonly published: readonly string[];
  setFault(fault: Fault): void;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A provider of `echo(String)`, `slow(String, int ms)`, `fail()` and `nothing()` (returns null)
 * for each version. The library picks its own port (20888-30000, free and at random), so ports
 * are known after start.
 */
export async function startDubboProvider(options: DubboProviderOptions): Promise<DubboProvider> {
  const { name, group = '' } = options;
  const log = new CallLog<ServedCall>();
  const timers = new Timers();
  const published: string[] = [];
  let fault: Fault = 'none';

  const services: ProviderProps['services'] = {};
  const keys: string[] = [];
  for (const version of options.versions ?? ['1.0.0']) {
    const key = `${name}/${group}/${version}`;
    keys.push(key);
    SETTINGS.set(key, { group, version });
    services[key] = { dubboInterface: ECHO_INTERFACE, methods: echoMethods(name, version, timers) };
  }

  const registry: ProviderProps['registry'] = {
    ready: async () => {},
    registerServices: async (list) => {
      published.push(...list.map((entry) => entry.dubboServiceUrl));
    },
    getClient: () => null,
    close: () => {},
  };
  const service = DubboService.from({ registry, services, dubboSetting });
  service.use(async (ctx: ProviderContext, next: () => Promise<void>) => {
    const { methodName, args = [], attachment } = ctx.request;
    log.record({ service: attachment.path, version: attachment.version, group: attachment.group ?? '', method: methodName, args, props: { ...attachment } });
    if (fault === 'hang') return new Promise<void>(() => {});
    if (fault === 'error') throw new Error(faultMessage(name));
    await next();
  });
  try {
    await service.ready();
  } finally {
    for (const key of keys) SETTINGS.delete(key);
  }

  // close() of the library waits for clients to hang up and has no way to drop them, so the
  // fixture tracks the sockets of its net.Server (set by the time ready() resolves).
  const sockets = new Set<Socket>();
  const { server } = service as unknown as { readonly server: Server };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    name,
    host: '127.0.0.1',
    port: service.getPort(),
    calls: log.calls,
    untilCalls: (count) => log.until(count),
    published,
    setFault: (next) => {
      fault = next;
    },
    close: async () => {
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await service.close();
    },
  };
}

function echoMethods(name: string, version: string, timers: Timers): Record<string, (...args: never[]) => unknown> {
  return {
    echo: (message: string) => answer(name, version, message),
    slow: (message: string, delayMs: number) => new Promise((resolve) => timers.after(delayMs, () => resolve(answer(name, version, message)))),
    fail: () => {
      throw new Error(failMessage(name));
    },
    nothing: () => null,
  };
}

export interface DubboConsumerOptions {
  readonly host?: string;
  readonly port: number;
  /** The client-side timeout of every call (dubbo2.js has one per client), also sent as the `timeout` attachment. */
  readonly timeoutMs?: number;
  /** The Dubbo protocol version in each request body. */
  readonly dubboVersion?: string;
}

export interface DubboEchoStub {
  echo(message: string): Promise<string>;
  slow(message: string, delayMs: number): Promise<string>;
  fail(): Promise<unknown>;
  invoke(method: string, args: readonly JavaValue[]): Promise<unknown>;
}

export interface DubboConsumer {
  /** com.example.EchoService at `version` (and `group`), through this consumer's connection. */
  echoService(version: string, group?: string): DubboEchoStub;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 3000;
const CLOSE_DEADLINE_MS = 10_000;

/**
 * A dubbo2.js consumer with one connection straight to host:port (no registry). It connects at
 * once and queues calls until connected; calls fail with PeerCallError.
 */
export function createDubboConsumer(options: DubboConsumerOptions): DubboConsumer {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dubbo = directlyDubbo.default.from({
    dubboAddress: `${options.host ?? '127.0.0.1'}:${options.port}`,
    dubboVersion: options.dubboVersion ?? '2.0.2',
    dubboInvokeTimeout: timeoutMs / 1000,
  });

  const echoService = (version: string, group?: string): DubboEchoStub => {
    const invoke = async (method: string, args: readonly JavaValue[]): Promise<unknown> => {
      const proxy = dubbo.proxyService({ dubboInterface: ECHO_INTERFACE, version, ...(group === undefined ? {} : { group }), timeout: timeoutMs, methods: { [method]: () => [...args] } });
      const call = proxy[method];
      if (call === undefined) throw new Error(`dubbo2.js built no proxy method ${method}`);
      const { res, err } = await call();
      if (err) throw new PeerCallError(failureKind(err), err.message, { cause: err });
      return res;
    };
    return {
      invoke,
      echo: async (message) => String(await invoke('echo', [java.String(message)])),
      slow: async (message, delayMs) => String(await invoke('slow', [java.String(message), java.int(delayMs)])),
      fail: () => invoke('fail', []),
    };
  };

  return { echoService, close: () => closeWorker(dubbo) };
}

/** dubbo2.js's errors carry no code: its own timeout and close messages are matched here. */
function failureKind(error: Error): 'timeout' | 'closed' | 'error' {
  if (error.message === 'remote invoke timeout') return 'timeout';
  if (/socket-?worker (was|had) closed/i.test(error.message)) return 'closed';
  return 'error';
}

/**
 * DirectlyDubbo has no close(): stop its reconnects and destroy its socket. After the provider
 * went away first it sits in a 3 s reconnect back-off whose timer it keeps to itself, so then
 * this waits for that last attempt's socket and ends it too.
 */
async function closeWorker(dubbo: DirectlyDubbo): Promise<void> {
  const worker = dubbo._socketWorker;
  worker._retry = 0;
  const deadline = Date.now() + CLOSE_DEADLINE_MS;
  while (worker.status !== 'CLOSED') {
    const socket = worker._socket;
    if (!socket.destroyed) {
      const gone = once(socket, 'close');
      socket.destroy();
      await gone;
    } else if (Date.now() > deadline) {
      throw new Error(`dubbo2.js consumer did not close within ${CLOSE_DEADLINE_MS} ms (status ${worker.status})`);
    } else {
      await delay(100);
    }
  }
}
