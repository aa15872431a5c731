// Where `sidelet run` listens: the --listen, --uds and --admin values parsed, and each server put
// on the socket a previous generation handed over (hot restart) or on a fresh one. A unix socket
// is bound under a private name and renamed into place, so that no generation's close unlinks it.
import { lstat, rename, rm, unlink } from 'node:fs/promises';
import type { ListenOptions, Server } from 'node:net';
import { dirname, join } from 'node:path';
import type { MeshDispatcher } from '../api/mesh-dispatcher.ts';
import type { Inheritance } from './hot-restart-parent.ts';
import { createOutboundServer } from './fast-http1-server.ts';
import { createH2cServer } from './h2c-listener.ts';
import { createInboundServer } from './inbound-listener.ts';
import { listenOptionsOf } from './listener-server.ts';
import { createXProtocolServer, type FrameRelay } from './xprotocol-listener.ts';
import type { Listener } from '../core/model/listener.ts';

/** Exit code 1 with one line on stderr: a bad config, a bad address, a port in use. */
export class StartError extends Error {}

/** A server that a drain can cut: node:http's Server, or any net.Server with the same method. */
export type ListeningServer = Server & { closeAllConnections(): void };

export interface Listening {
  readonly server: ListeningServer;
  /** tcp, unix, h2c, bound (a config listener with an address), or an x-protocol's short name (dubbo, bolt). */
  readonly kind: string;
  /** `127.0.0.1:15001` or `/run/sidelet.sock`. */
  readonly where: string;
  /** Its name across generations, from the command line: `tcp 127.0.0.1:0`, `unix /run/sidelet.sock`. */
  readonly key: string;
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseListen(value: string, flag = '--listen'): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$|^(\d{1,5})$/.exec(value);
  const port = Number(match?.[3] ?? match?.[4]);
  if (match === null || port > 65535) throw new StartError(`${flag} ${value}: expected host:port, [ipv6]:port or a port (0 picks a free one)`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export interface ListenerPlan {
  /** Outbound HTTP/1.1 on TCP. */
  readonly tcp: { host: string; port: number } | undefined;
  /** Outbound HTTP/1.1 on a unix socket. */
  readonly uds: string | undefined;
  /** Outbound h2c (gRPC) on TCP. */
  readonly h2c: { host: string; port: number } | undefined;
  /** The config's listeners with an address (Envoy's bound listeners: inbound, in front of the local app). */
  readonly bound: readonly Listener[];
  /** Dubbo and Bolt listeners: the codec's registry name and where to listen. */
  readonly rpc: readonly { readonly protocol: string; readonly address: { host: string; port: number } }[];
}

/** Every listener of `sidelet run`, each on a fresh socket or the one a previous generation handed over. */
export async function listenOutbound(dispatcher: MeshDispatcher, relay: FrameRelay, plan: ListenerPlan, inheritance: Inheritance): Promise<Listening[]> {
  const out: Listening[] = [];
  const { tcp, uds, h2c } = plan;
  try {
    if (tcp !== undefined) {
      const server = createOutboundServer(dispatcher);
      const key = `tcp ${hostPort(tcp.host, tcp.port)}`;
      await listenOn(server, key, tcp, inheritance);
      out.push({ server, kind: 'tcp', where: addressOf(server), key });
    }
    if (uds !== undefined) {
      const server = createOutboundServer(dispatcher);
      const key = `unix ${uds}`;
      await listenOn(server, key, { path: uds }, inheritance);
      out.push({ server, kind: 'unix', where: uds, key });
    }
    if (h2c !== undefined) {
      const server = createH2cServer(dispatcher);
      const key = `h2c ${hostPort(h2c.host, h2c.port)}`;
      await listenOn(server, key, h2c, inheritance);
      out.push({ server, kind: 'h2c', where: addressOf(server), key });
    }
    for (const { protocol, address } of plan.rpc) {
      const server = createXProtocolServer(relay, { protocol });
      const kind = protocol.slice(protocol.lastIndexOf('.') + 1);
      const key = `${kind} ${hostPort(address.host, address.port)}`;
      await listenOn(server, key, address, inheritance);
      out.push({ server, kind, where: addressOf(server), key });
    }
    for (const listener of plan.bound) {
      const server = createInboundServer(dispatcher, listener);
      const target = listenOptionsOf(listener.socket!.address);
      const key = `bound ${listener.name}`;
      await listenOn(server, key, target, inheritance);
      out.push({ server, kind: 'bound', where: `${listener.name} ${target.path ?? addressOf(server)}`, key });
    }
  } catch (error) {
    await Promise.all(out.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    throw error;
  }
  return out;
}

/** Listens on the handle inherited under `key`, else binds `target` itself. Works for any net.Server. */
export async function listenOn(server: Server, key: string, target: ListenOptions, inheritance: Inheritance): Promise<void> {
  const handle = inheritance.take(key);
  if (handle !== undefined) return listen(server, handle, key);
  if (target.path === undefined) return listen(server, target, `${target.host}:${target.port}`);
  await bindUnix(server, target.path);
}

/** `127.0.0.1:15001` or `[::1]:15001`: the address a TCP server accepts on. */
export function addressOf(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') return String(address);
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

function listen(server: Server, target: ListenOptions | object, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(new StartError(`cannot listen on ${where}: ${error.code ?? error.message}`));
    server.once('error', failed);
    server.listen(target, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * libuv unlinks a unix socket's path when the handle that bound it closes. Bound under a private
 * name and renamed into place, the socket's public name is one no close unlinks: a hot restart's
 * old generation closes its copy and the file keeps leading to the socket the successor accepts
 * on. A socket file already there (left by a process that died) is replaced; any other file is an
 * error, as it would be for bind().
 */
async function bindUnix(server: Server, path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isSocket()) throw new StartError(`cannot listen on ${path}: EADDRINUSE`);
  const staging = join(dirname(path), `.sidelet-${process.pid}.sock`);
  await rm(staging, { force: true });
  await listen(server, { path: staging }, path);
  try {
    await rename(staging, path);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw new StartError(`cannot listen on ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** At shutdown (not at a handover): the socket file goes with the last generation. */
export async function removeSocketFile(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket()) await unlink(path).catch(() => {});
}
