// How `sidelet run` stops serving. A shutdown (SIGTERM) closes idle connections at once; a hot
// restart's handover keeps them until an answer says `connection: close` or their keep-alive
// timer ends them, because closing an idle connection races a client that is just sending on it.
import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Mesh } from '../api/mesh.ts';
import { MeshError } from '../core/errors.ts';
import { within } from '../runtime/within.ts';
import { FastHttp1Server } from './fast-http1-server.ts';
import type { ListeningServer } from './run-listeners.ts';

export type DrainMode = 'shutdown' | 'handover';

/** Clients get this long to read their last answers and close after a shutdown's drain. */
const CONNECTION_GRACE_MS = 1000;

/**
 * Stops accepting, lets the calls in flight finish until `deadlineMs`, aborts the rest (their
 * clients get a 503 LR, or a reset once the head is sent), closes the mesh, and waits for the
 * connections to end; after a grace the ones still open are cut. In a handover the open
 * connections still bring requests until each has had its `connection: close` answer or ended
 * idle, so the mesh serves on until they are gone (or the deadline, or their idle lifetime, passes).
 */
export async function drain(mesh: Mesh, servers: readonly ListeningServer[], deadlineMs: number, mode: DrainMode): Promise<void> {
  const started = Date.now();
  const left = (): number => Math.max(0, deadlineMs - (Date.now() - started));
  const closed = Promise.all(servers.map((server) => stopAccepting(server, mode)));
  if (mode === 'handover') await within(closed, Math.max(deadlineMs, ...servers.map(idleLifetime)));
  const dispatcher = mesh.dispatcher();
  if ((await within(dispatcher.close(), left())) === 'expired') {
    await dispatcher.destroy(new MeshError('SIDELET_OVERLOADED', `the sidecar is shutting down; the call did not finish within ${deadlineMs} ms`));
  }
  await mesh.close({ deadlineMs: left() });
  if ((await within(closed, CONNECTION_GRACE_MS)) === 'expired') for (const server of servers) server.closeAllConnections();
  await closed;
}

/**
 * node:http's close() also closes idle keep-alive connections at once, and a client may be
 * sending a request on one at that instant: its request would fail. So in a handover only the
 * listening socket is closed (net.Server's close), and the outbound listener answers every
 * request from then on with `connection: close`. Other servers (HTTP/2: a GOAWAY, which no client
 * races) close their own way.
 */
function stopAccepting(server: ListeningServer, mode: DrainMode): Promise<void> {
  return new Promise((resolve) => {
    if (mode === 'handover' && isHttp1(server)) NetServer.prototype.close.call(server, () => resolve());
    else server.close(() => resolve());
  });
}

/**
 * How long an idle HTTP/1.1 connection lives: node:http ends it `keepAliveTimeout` (plus its
 * buffer) after its last answer, and advertises `keep-alive: timeout=` so that clients stop
 * reusing it before (undici by default 2 s before). Waiting that long lets every idle connection
 * end the way it would on a server that keeps running.
 */
function idleLifetime(server: ListeningServer): number {
  if (!isHttp1(server)) return CONNECTION_GRACE_MS;
  return server.keepAliveTimeout + (server.keepAliveTimeoutBuffer ?? 0) + CONNECTION_GRACE_MS;
}

/** node:http's server, or the HTTP/1.1 fast path's, which keeps its timeout names and drain behaviour. */
function isHttp1(server: ListeningServer): server is ListeningServer & { keepAliveTimeout: number; keepAliveTimeoutBuffer?: number } {
  return server instanceof HttpServer || server instanceof FastHttp1Server;
}
