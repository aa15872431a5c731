// `sidelet run`: the mesh as a standalone sidecar process (DESIGN.md, "process" mode). Loads the
// bootstrap through createMesh, serves outbound HTTP/1.1 on TCP and/or a unix socket, and on
// SIGTERM or SIGINT stops accepting, drains calls in flight within a deadline and exits 0.
import { lstat, rm, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import { dirname } from 'node:path';
import { createMesh, type Mesh } from '../api/mesh.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { ConfigError, MeshError } from '../core/errors.ts';
import { writeDemoBootstrap } from './demo/demo-bootstrap.ts';
import { type DemoUpstreams, startDemoUpstreams } from './demo/demo-upstreams.ts';
import { createOutboundServer } from './http-listener.ts';
import { MeshMetrics } from '../observability/mesh-metrics.ts';
import { snapshotResourceNames, startAdminServer } from './admin-server.ts';

export interface RunOptions {
  /** The bootstrap file; absent with `demo`. */
  readonly config?: string;
  /** `host:port`, `[v6]:port` or a bare port; the default when neither listen nor uds is given: 127.0.0.1:15001. */
  readonly listen?: string;
  readonly uds?: string;
  readonly demo?: boolean;
  /** How long calls in flight may take to finish after SIGTERM (default 5000 ms). */
  readonly drainTimeoutMs?: number;
  /** The admin server's address (`host:port`, port 0 for any free one); none when absent. */
  readonly admin?: string;
}

const DEFAULT_LISTEN = '127.0.0.1:15001';

/** Exit code 1 with one line on stderr: a bad config, a bad address, a port in use. */
class StartError extends Error {}

/** Runs until a signal; sets process.exitCode. Nothing here throws for a foreseeable mistake. */
export async function runCommand(options: RunOptions): Promise<void> {
  let demo: DemoUpstreams | undefined;
  let demoConfig: string | undefined;
  const stopDemo = async (): Promise<void> => {
    await demo?.close();
    if (demoConfig !== undefined) await rm(dirname(demoConfig), { recursive: true, force: true });
  };
  try {
    if (options.demo && options.config !== undefined) throw new StartError('--demo makes its own config: leave out -c');
    if (!options.demo && options.config === undefined) throw new StartError('run needs a bootstrap: -c mesh.yaml (or --demo)');
    const tcp = options.listen ?? (options.uds === undefined ? DEFAULT_LISTEN : undefined);
    const address = tcp === undefined ? undefined : parseListen(tcp);
    if (options.demo) {
      demo = await startDemoUpstreams((line) => console.log(line));
      demoConfig = await writeDemoBootstrap(demo.ports);
      console.log(`demo config: ${demoConfig} (read it for the retry and backup request settings)`);
    }
    const bootstrap = demoConfig ?? (options.config as string);
    // Watched from the start, so a signal that comes while starting drains rather than kills.
    const signalled = waitForSignal();
    const adminAddress = options.admin === undefined ? undefined : parseListen(options.admin, '--admin');
    const metrics = new MeshMetrics();
    const mesh = await createMesh({ bootstrap, stats: metrics, mode: 'inline' });
    let serving = false;
    const admin =
      adminAddress &&
      (await startAdminServer({
        ...adminAddress,
        stats: metrics,
        configDump: async () => ({ xds: await mesh.configDump(), resources: snapshotResourceNames(mesh.snapshot()) }),
        clusters: () => mesh.clusterStatus(),
        ready: () => serving,
      }).catch(async (error: unknown) => {
        await mesh.close({ deadlineMs: 0 });
        throw new StartError(`--admin ${options.admin}: ${(error as Error).message}`);
      }));
    const servers = await listenAll(mesh, address, options.uds).catch(async (error: unknown) => {
      await admin?.close();
      await mesh.close({ deadlineMs: 0 });
      throw error;
    });
    serving = true;
    if (admin !== undefined) console.log(`sidelet admin http://${hostPort(adminAddress!.host, admin.port)}/ (ready, stats, config_dump, clusters)`);
    await printUsage(servers, bootstrap);
    await signalled;
    serving = false;
    await drain(mesh, servers, options.drainTimeoutMs ?? 5000);
    await admin?.close();
    await stopDemo();
    console.log('sidelet stopped');
    process.exitCode = 0;
  } catch (error) {
    await stopDemo();
    if (!(error instanceof ConfigError || error instanceof StartError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

interface Listening {
  readonly server: Server;
  /** `tcp 127.0.0.1:15001` or `unix /run/sidelet.sock`. */
  readonly kind: 'tcp' | 'unix';
  readonly where: string;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function parseListen(value: string, flag = '--listen'): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$|^(\d{1,5})$/.exec(value);
  const port = Number(match?.[3] ?? match?.[4]);
  if (match === null || port > 65535) throw new StartError(`${flag} ${value}: expected host:port, [ipv6]:port or a port (0 picks a free one)`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

async function listenAll(mesh: Mesh, tcp: { host: string; port: number } | undefined, uds: string | undefined): Promise<Listening[]> {
  const dispatcher = mesh.dispatcher();
  const out: Listening[] = [];
  try {
    if (tcp !== undefined) {
      const server = createOutboundServer(dispatcher);
      await listen(server, tcp);
      const { address, port, family } = server.address() as AddressInfo;
      out.push({ server, kind: 'tcp', where: family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}` });
    }
    if (uds !== undefined) {
      await removeStaleSocket(uds);
      const server = createOutboundServer(dispatcher);
      await listen(server, { path: uds });
      out.push({ server, kind: 'unix', where: uds });
    }
  } catch (error) {
    await Promise.all(out.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    throw error;
  }
  return out;
}

function listen(server: Server, target: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const where = target.path ?? `${target.host}:${target.port}`;
    server.once('error', (error: NodeJS.ErrnoException) => reject(new StartError(`cannot listen on ${where}: ${error.code ?? error.message}`)));
    server.listen(target, () => resolve());
  });
}

/** A socket file left by a process that died is removed; any other file at the path is an error (EADDRINUSE). */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket()) await unlink(path);
}

/** One machine-readable line per listener (`sidelet listening tcp 127.0.0.1:15001`), then what to curl. */
async function printUsage(servers: readonly Listening[], configFile: string): Promise<void> {
  for (const { kind, where } of servers) console.log(`sidelet listening ${kind} ${where}`);
  const host = await firstHost(configFile);
  for (const { kind, where } of servers) {
    console.log(kind === 'tcp' ? `  try: curl -H 'Host: ${host}' http://${where}/` : `  try: curl --unix-socket ${where} http://${host}/`);
  }
}

/** The Host a client would send for the first static listener (`reviews:80` → `reviews`). */
async function firstHost(configFile: string): Promise<string> {
  const { staticResources } = await loadBootstrap(configFile);
  const name = [...staticResources.listeners.keys()][0];
  if (name === undefined) return '<service>';
  return name.endsWith(':80') ? name.slice(0, -3) : name;
}

/** Resolves at the first SIGTERM or SIGINT; a second one while draining exits at once (code 1). */
function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', first).off('SIGINT', first);
      process.once('SIGTERM', again).once('SIGINT', again);
      console.log(`sidelet draining (${signal})`);
      resolve();
    };
    const again = (signal: NodeJS.Signals): void => {
      console.error(`sidelet: ${signal} again, exiting without draining`);
      process.exit(1);
    };
    process.on('SIGTERM', first).on('SIGINT', first);
  });
}

/**
 * Stops accepting (idle keep-alive connections close, answers from now on close theirs), lets
 * the calls in flight finish until the deadline, aborts the rest (their clients get a 503 LR or
 * a reset), closes the mesh, and waits for the connections to end: their last answers are
 * flushed, and after a short grace the ones still open are cut.
 */
async function drain(mesh: Mesh, servers: readonly Listening[], deadlineMs: number): Promise<void> {
  const closed = Promise.all(servers.map(({ server }) => new Promise((resolve) => server.close(resolve))));
  const dispatcher = mesh.dispatcher();
  const started = Date.now();
  if ((await within(dispatcher.close(), deadlineMs)) === 'expired') {
    await dispatcher.destroy(new MeshError('SIDELET_OVERLOADED', `the sidecar is shutting down; the call did not finish within ${deadlineMs} ms`));
  }
  await mesh.close({ deadlineMs: Math.max(0, deadlineMs - (Date.now() - started)) });
  if ((await within(closed, CONNECTION_GRACE_MS)) === 'expired') for (const { server } of servers) server.closeAllConnections();
  await closed;
}

/** Clients get this long to read their last answers and close after a drain. */
const CONNECTION_GRACE_MS = 1000;

async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'expired'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), ms);
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), expired]);
  clearTimeout(timer);
  return outcome;
}
