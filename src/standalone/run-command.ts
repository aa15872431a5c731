// `sidelet run`: the mesh as a standalone sidecar process (DESIGN.md, "process" mode). Loads the
// bootstrap, serves outbound HTTP/1.1 on TCP and/or a unix socket, h2c, and the config's bound
// (inbound) listeners; SIGTERM drains and exits,
// SIGHUP reloads the config, SIGUSR2 hands the sockets to a new generation (hot restart).
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createMesh, type Mesh } from '../api/mesh.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { ConfigError } from '../core/errors.ts';
import { MeshMetrics } from '../observability/mesh-metrics.ts';
import { snapshotResourceNames, startAdminServer } from './admin-server.ts';
import { ConfigReloader } from './config-reload.ts';
import { watchConfigFile } from './config-reload-watch.ts';
import { writeDemoBootstrap } from './demo/demo-bootstrap.ts';
import { type DemoUpstreams, startDemoUpstreams } from './demo/demo-upstreams.ts';
import { connectToParent, NOTHING_INHERITED, type ParentLink } from './hot-restart-parent.ts';
import { type HandedListener, type Successor, startSuccessor } from './hot-restart-successor.ts';
import { removePidFile, writePidFile } from './pid-file.ts';
import { drain } from './run-drain.ts';
import { hostPort, type Listening, listenOutbound, parseListen, removeSocketFile, StartError } from './run-listeners.ts';
import { RunSignals } from './run-signals.ts';
import { boundListeners } from './inbound-listener.ts';
import { boltCodec } from '../protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../protocols/dubbo/dubbo-codec.ts';

export interface RunOptions {
  /** The bootstrap file; absent with `demo`. */
  readonly config?: string;
  /** `host:port`, `[v6]:port` or a bare port; the default when neither listen nor uds is given: 127.0.0.1:15001. */
  readonly listen?: string;
  readonly uds?: string;
  /** An h2c (HTTP/2 cleartext, gRPC) outbound listener's `host:port`. */
  readonly h2c?: string;
  /** Dubbo and SOFA Bolt listeners' `host:port` (docs/xprotocol-relay.md). */
  readonly dubbo?: string;
  readonly bolt?: string;
  readonly demo?: boolean;
  /** How long calls in flight may take to finish after SIGTERM or a handover (default 5000 ms). */
  readonly drainTimeoutMs?: number;
  /** The admin server's address (`host:port`, port 0 for any free one); else the bootstrap's admin block; else none. */
  readonly admin?: string;
  /** Reload the config when its file changes, as on SIGHUP. */
  readonly watch?: boolean;
  /** 0 for a process started by hand; a hot restart starts its successor with its own epoch plus one. */
  readonly restartEpoch?: number;
  /** Where each generation writes its pid once it serves. */
  readonly pidFile?: string;
}

const DEFAULT_LISTEN = '127.0.0.1:15001';

/** A successor not ready by then (its config load hangs, say) is killed; this process keeps serving. */
const SUCCESSOR_TIMEOUT_MS = 30_000;

/** Runs until a signal or a handover; sets process.exitCode. Nothing here throws for a foreseeable mistake. */
export async function runCommand(options: RunOptions): Promise<void> {
  const epoch = options.restartEpoch ?? 0;
  let demo: DemoUpstreams | undefined;
  let demoConfig: string | undefined;
  let parent: ParentLink | undefined;
  const stopDemo = async (): Promise<void> => {
    await demo?.close();
    if (demoConfig !== undefined) await rm(dirname(demoConfig), { recursive: true, force: true });
  };
  try {
    if (options.demo && options.config !== undefined) throw new StartError('--demo makes its own config: leave out -c');
    if (!options.demo && options.config === undefined) throw new StartError('run needs a bootstrap: -c mesh.yaml (or --demo)');
    const tcp = options.listen ?? (options.uds === undefined ? DEFAULT_LISTEN : undefined);
    const address = tcp === undefined ? undefined : parseListen(tcp);
    const adminFlag = options.admin === undefined ? undefined : parseListen(options.admin, '--admin');
    // Watched from the start, so a signal that comes while starting drains rather than kills.
    const signals = new RunSignals();
    parent = epoch > 0 ? parentLink(epoch) : undefined;
    if (options.demo) {
      demo = await startDemoUpstreams((line) => console.log(line));
      demoConfig = await writeDemoBootstrap(demo.ports);
      console.log(`demo config: ${demoConfig} (read it for the retry and backup request settings)`);
    }
    const bootstrap = demoConfig ?? (options.config as string);
    const metrics = new MeshMetrics();
    // Loads and validates the config first: a successor with a bad one exits here, and its parent keeps every socket.
    // Inline: a reload (SIGHUP) replaces the static resources, which worker mode cannot do yet.
    const mesh = await createMesh({ bootstrap, stats: metrics, mode: 'inline' });
    const inheritance = parent === undefined ? NOTHING_INHERITED : await parent.inherit();
    let serving = false;
    const adminAddress = adminFlag ?? mesh.bootstrap.admin?.address;
    const admin =
      adminAddress &&
      (await startAdminServer({
        ...adminAddress,
        handle: inheritance.take(adminKey(adminAddress)),
        stats: metrics,
        configDump: async () => ({ xds: await mesh.configDump(), resources: snapshotResourceNames(mesh.snapshot()) }),
        clusters: () => mesh.clusterStatus(),
        ready: () => serving,
      }).catch(async (error: unknown) => {
        await mesh.close({ deadlineMs: 0 });
        throw new StartError(`${options.admin === undefined ? 'admin' : `--admin ${options.admin}`}: ${(error as Error).message}`);
      }));
    const h2c = options.h2c === undefined ? undefined : parseListen(options.h2c, '--h2c');
    const rpc = [
      ...(options.dubbo === undefined ? [] : [{ protocol: dubboCodec.name, address: parseListen(options.dubbo, '--dubbo') }]),
      ...(options.bolt === undefined ? [] : [{ protocol: boltCodec.name, address: parseListen(options.bolt, '--bolt') }]),
    ];
    const plan = { tcp: address, uds: options.uds, h2c, bound: boundListeners(mesh.snapshot()), rpc };
    const servers = await listenOutbound(mesh.dispatcher(), mesh, plan, inheritance).catch(async (error: unknown) => {
      await admin?.close();
      await mesh.close({ deadlineMs: 0 });
      throw error;
    });
    inheritance.releaseRest();
    serving = true;
    if (admin !== undefined) console.log(`sidelet admin http://${hostPort(adminAddress!.host, admin.port)}/ (ready, stats, config_dump, clusters)`);
    await printUsage(servers, bootstrap);
    const handed = [...servers, ...(admin === undefined ? [] : [{ key: adminKey(adminAddress!), server: admin.server }])];
    const generation = new Generation({ options, epoch, signals, parent, mesh, bootstrap, listeners: handed, adminFromFlag: adminFlag !== undefined });
    const successor = await generation.serve();
    const handover = successor !== undefined;
    // In a handover the successor answers at the same address, so /ready stays LIVE meanwhile.
    serving = handover;
    if (handover) {
      console.log(`sidelet handed over to epoch ${successor.epoch} (pid ${successor.pid}); draining`);
      await drain(mesh, [...servers.map((s) => s.server), ...(admin === undefined ? [] : [admin.server])], options.drainTimeoutMs ?? 5000, 'handover');
    } else {
      await drain(mesh, servers.map((s) => s.server), options.drainTimeoutMs ?? 5000, 'shutdown');
      await admin?.close();
      // A successor stopped before it was ready leaves the file to its parent, which still serves on it.
      if (options.uds !== undefined && (parent === undefined || generation.wasReady)) await removeSocketFile(options.uds);
      if (options.pidFile !== undefined) await removePidFile(options.pidFile);
    }
    await stopDemo();
    console.log('sidelet stopped');
    process.exitCode = 0;
  } catch (error) {
    await stopDemo();
    if (!(error instanceof ConfigError || error instanceof StartError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    // A successor that gave up or stopped before it was ready must exit, for its parent to see it.
    parent?.release();
  }
}

function parentLink(epoch: number): ParentLink {
  try {
    return connectToParent(epoch);
  } catch (error) {
    throw new StartError((error as Error).message);
  }
}

/** The admin server's name across generations: its address as configured (port 0 included), like the outbound listeners'. */
function adminKey(address: { host: string; port: number }): string {
  return `admin ${hostPort(address.host, address.port)}`;
}

interface GenerationOptions {
  readonly options: RunOptions;
  readonly epoch: number;
  readonly signals: RunSignals;
  readonly parent: ParentLink | undefined;
  readonly mesh: Mesh;
  readonly bootstrap: string;
  /** Every listening server, the admin server's too, with the keys a successor finds them by. */
  readonly listeners: readonly HandedListener[];
  readonly adminFromFlag: boolean;
}

/**
 * One generation while it serves: tells its parent (if any) that it is ready, reloads on SIGHUP
 * and file changes, starts its successor on SIGUSR2. `serve()` ends at SIGTERM/SIGINT (undefined)
 * or once a successor accepts on the sockets (the successor).
 */
class Generation {
  readonly #o: GenerationOptions;
  /** From SIGUSR2 until the successor is ready (then serve() ends) or has failed. */
  #restarting = false;
  #parentDraining: boolean;
  #ready = false;

  constructor(options: GenerationOptions) {
    this.#o = options;
    this.#parentDraining = options.parent !== undefined;
  }

  /** Whether this process became the serving generation (a successor's socket file is its parent's until then). */
  get wasReady(): boolean {
    return this.#ready;
  }

  async serve(): Promise<Successor | undefined> {
    const { options, epoch, signals, parent, mesh, bootstrap } = this.#o;
    // Stopped while starting: never ready, and a parent keeps serving.
    if (signals.stopRequested) return undefined;
    const reloader = new ConfigReloader({ mesh, file: bootstrap, adminFromFlag: this.#o.adminFromFlag });
    signals.onReload(() => void reloader.reload('SIGHUP'));
    const unwatch = options.watch
      ? await watchConfigFile(bootstrap, () => void reloader.reload('file change'), (error) => console.error(`sidelet: --watch ${bootstrap}: ${error.message}`))
      : undefined;
    const cancel = new AbortController();
    const handedOver = new Promise<Successor>((resolve) => signals.onRestart(() => this.#restart(resolve, cancel.signal)));
    this.#ready = true;
    if (options.pidFile !== undefined) await writePidFile(options.pidFile);
    // Once SIGHUP, SIGUSR2 and --watch are handled: scripts and tests act on this line.
    console.log(`sidelet ready epoch ${epoch} pid ${process.pid}`);
    if (parent !== undefined) {
      parent.ready();
      void parent.exited.then(() => {
        this.#parentDraining = false;
        console.log(`sidelet epoch ${epoch - 1} (pid ${parent.pid}) exited`);
      });
    }
    const outcome = await Promise.race([signals.stopped.then(() => undefined), handedOver]);
    cancel.abort();
    unwatch?.();
    const why = outcome === undefined ? 'draining' : `handed over to epoch ${outcome.epoch}`;
    signals.onReload(() => console.error(`sidelet: SIGHUP ignored: ${why}`));
    signals.onRestart(() => console.error(`sidelet: SIGUSR2 ignored: ${why}`));
    return outcome;
  }

  #restart(handedOver: (successor: Successor) => void, cancelled: AbortSignal): void {
    const { epoch, listeners } = this.#o;
    if (this.#restarting) return void console.error('sidelet: SIGUSR2 ignored: a hot restart is already under way');
    if (this.#parentDraining) return void console.error(`sidelet: SIGUSR2 ignored: epoch ${epoch - 1} is still draining`);
    this.#restarting = true;
    console.log(`sidelet hot restart: starting epoch ${epoch + 1}`);
    startSuccessor({ epoch: epoch + 1, args: successorArgs(), listeners: () => listeners, timeoutMs: SUCCESSOR_TIMEOUT_MS, signal: cancelled }).then(
      handedOver,
      (error: Error) => {
        this.#restarting = false;
        if (!cancelled.aborted) console.error(`sidelet: hot restart failed, epoch ${epoch} keeps serving: ${error.message}`);
      },
    );
  }
}

/** This process's command line for its successor: node's flags, the script, the arguments, without --restart-epoch. */
function successorArgs(): string[] {
  const args = process.argv.slice(1);
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--restart-epoch') i++;
    else if (!arg.startsWith('--restart-epoch=')) kept.push(arg);
  }
  return [...process.execArgv, ...kept];
}

/** One machine-readable line per listener (`sidelet listening tcp 127.0.0.1:15001`), then what to curl. */
async function printUsage(servers: readonly Listening[], configFile: string): Promise<void> {
  for (const { kind, where } of servers) console.log(`sidelet listening ${kind} ${where}`);
  const host = await firstHost(configFile);
  for (const { kind, where } of servers) {
    if (kind === 'tcp') console.log(`  try: curl -H 'Host: ${host}' http://${where}/`);
    else if (kind === 'unix') console.log(`  try: curl --unix-socket ${where} http://${host}/`);
    else if (kind === 'h2c') console.log(`  try: curl --http2-prior-knowledge -H 'Host: ${host}' http://${where}/`);
  }
}

/** The Host a client would send for the first static listener (`reviews:80` → `reviews`). */
async function firstHost(configFile: string): Promise<string> {
  const { staticResources } = await loadBootstrap(configFile);
  const name = [...staticResources.listeners.keys()][0];
  if (name === undefined) return '<service>';
  return name.endsWith(':80') ? name.slice(0, -3) : name;
}
