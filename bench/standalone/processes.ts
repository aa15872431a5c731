// The processes of the sidecar benches: the node:http upstream, a `sidelet run`, the Node proxies
// and an nginx, each started in its own process (the Node ones optionally under a tool such as
// callgrind) with a deadline to come up, and each stopped (killed if it lingers).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Running {
  readonly name: string;
  readonly port: number;
  /** The processes doing the work (nginx: its master and workers), for CPU accounting. */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * How a hop's Node process starts: by itself, or under a tool (`wrap`, the tool's command and
 * arguments before Node's path) with Node flags of its own, and the time it gets to come up.
 */
export interface Launcher {
  readonly wrap: readonly string[];
  readonly nodeFlags: readonly string[];
  readonly upWithinMs: number;
}

export const PLAIN: Launcher = { wrap: [], nodeFlags: [], upWithinMs: 30_000 };

function spawnNode(launcher: Launcher, args: readonly string[], cwd = ROOT): ChildProcess {
  const [command, ...before] = [...launcher.wrap, process.execPath];
  return spawn(command!, [...before, ...launcher.nodeFlags, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Linux clock ticks per second (/proc/<pid>/stat counts CPU time in them); 100 on every kernel config Debian ships. */
const CLOCK_TICKS = 100;

/** CPU seconds the processes have used so far, in user space and in the kernel, read from /proc. */
export function cpuSeconds(pids: readonly number[]): { readonly user: number; readonly system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(fields[11]);
    system += Number(fields[12]);
  }
  return { user: user / CLOCK_TICKS, system: system / CLOCK_TICKS };
}

/**
 * The machine's busy and total CPU ticks so far, all cores, from /proc/stat's first line: user,
 * nice, system, idle, iowait, irq, softirq, steal. Idle, iowait and steal (the hypervisor's) are not busy.
 */
export function machineTicks(): { readonly busy: number; readonly total: number } {
  const counts = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = counts.reduce((sum, n) => sum + n, 0);
  return { busy: total - counts[3]! - counts[4]! - counts[7]!, total };
}

function childPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(' ').map(Number);
}

/** Resolves with the first stdout line matching `pattern`; kills the child and rejects after `deadlineMs` or if it exits first. */
function lineMatching(child: ChildProcess, what: string, pattern: RegExp, deadlineMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: not up within ${deadlineMs} ms: ${err.trim()}`));
    }, deadlineMs);
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const match = pattern.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was up: ${err.trim()}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
async function terminate(child: ChildProcess, graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The upstream every subject reaches: node:http on 127.0.0.1, answering `hello` with keep-alive. */
export async function startUpstream(): Promise<Running> {
  const script =
    "const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>r.end('hello'))});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port))";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = Number((await lineMatching(child, 'upstream', /port (\d+)/, 10_000))[1]);
  return { name: 'upstream', port, pids: () => [child.pid!], stop: () => terminate(child) };
}

/** bench/standalone/node-proxy.ts: node:http and an undici Pool with nothing between them. */
export async function startNodeProxy(upstreamPort: number, launcher = PLAIN): Promise<Running> {
  const child = spawnNode(launcher, [join(ROOT, 'bench', 'standalone', 'node-proxy.ts'), String(upstreamPort)]);
  const port = Number((await lineMatching(child, 'node proxy', /port (\d+)/, launcher.upWithinMs))[1]);
  return { name: 'node proxy', port, pids: () => [child.pid!], stop: () => terminate(child) };
}

/** bench/standalone/socket-proxy.ts: bytes between raw sockets, no HTTP library, no mesh. */
export async function startSocketProxy(upstreamPort: number, launcher = PLAIN): Promise<Running> {
  const child = spawnNode(launcher, [join(ROOT, 'bench', 'standalone', 'socket-proxy.ts'), String(upstreamPort)]);
  const port = Number((await lineMatching(child, 'socket proxy', /port (\d+)/, launcher.upWithinMs))[1]);
  return { name: 'socket proxy', port, pids: () => [child.pid!], stop: () => terminate(child) };
}

/**
 * `sidelet run` on a static config that sends Host `upstream` to the upstream; HTTP/1.1 listener
 * on a free port. `root`: the checkout whose sidelet runs (another one, to compare two trees).
 */
export async function startSidelet(upstreamPort: number, launcher = PLAIN, root = ROOT): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-bench-'));
  const config = join(dir, 'mesh.json');
  const hcm = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  await writeFile(
    config,
    JSON.stringify({
      static_resources: {
        listeners: [
          {
            name: 'upstream:80',
            api_listener: { api_listener: { '@type': hcm, route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['upstream'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream' } }] }] } } },
          },
        ],
        clusters: [
          {
            name: 'upstream',
            load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] },
          },
        ],
      },
    }),
  );
  const child = spawnNode(launcher, [join(root, 'src', 'standalone', 'cli.ts'), 'run', '-c', config, '--listen', '127.0.0.1:0'], root);
  const port = Number((await lineMatching(child, 'sidelet run', /sidelet listening tcp 127\.0\.0\.1:(\d+)/, launcher.upWithinMs))[1]);
  return {
    name: 'sidelet',
    port,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: async () => {
      await terminate(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** nginx from PATH; when absent and running as root, Debian's package is installed first. */
export function ensureNginx(): string {
  return ensureInstalled('nginx', 'nginx');
}

/** `command` from PATH (or /usr/sbin); when absent and running as root, Debian's `debianPackage` is installed first. */
export function ensureInstalled(command: string, debianPackage: string): string {
  const found = (): string | undefined => {
    const which = spawnSync('sh', ['-c', `command -v ${command} || ls /usr/sbin/${command} 2>/dev/null`], { encoding: 'utf8' });
    return which.stdout.trim().split('\n')[0] || undefined;
  };
  const existing = found();
  if (existing !== undefined) return existing;
  if (process.getuid?.() !== 0) throw new Error(`${command} is not installed and this is not root: apt-get install -y ${debianPackage}, then run the bench again`);
  console.log(`installing ${command} (apt-get install -y ${debianPackage})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 300_000 });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: 'inherit', env, timeout: 300_000 });
  const installed = found();
  if (install.status !== 0 || installed === undefined) throw new Error(`apt-get install -y ${debianPackage} failed`);
  return installed;
}

/** A port free a moment ago (nginx takes a fixed port in its config). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepting(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const socket = connect(port, '127.0.0.1');
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    });
    socket.destroy();
    if (ok) return;
    await delay(50);
  }
  throw new Error(`nothing accepts on 127.0.0.1:${port} after ${deadlineMs} ms`);
}

/**
 * nginx as the reference sidecar hop: one worker, keep-alive to the upstream, no access log, its
 * own config and temp paths in a temp dir (never the system's), in the foreground (`daemon off`).
 */
export async function startNginx(binary: string, upstreamPort: number, connections: number): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-bench-nginx-'));
  await mkdir(join(dir, 'logs'));
  const port = await freePort();
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive ${connections};
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const failed = once(child, 'exit').then(([code]) => Promise.reject(new Error(`nginx exited (${String(code)}) at start; see ${dir}/logs/error.log`)));
  await Promise.race([accepting(port, 10_000), failed]);
  failed.catch(() => {});
  return {
    name: 'nginx',
    port,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: async () => {
      // SIGQUIT is nginx's graceful stop; the master takes its worker down with it.
      await terminate(child, 5000, 'SIGQUIT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
