// One cold start for bench/xds-cold-start.bench.ts: `<target> <cacheDir|-> <clusters>` starts the
// xDS client (from the last-known-good cache when the server is down), waits for ensureListener,
// routes one request and prints, as one JSON line, the times since process start (performance.timeOrigin).
import { decodeBootstrap } from '../../src/config/bootstrap.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { compileRouteTable, route } from '../../src/core/router/index.ts';
import { startXds } from '../../src/xds/start-xds.ts';
import { clusterName, LISTENER_NAME, ROUTE_CONFIG_NAME } from './fleet.ts';

export interface ColdStartResult {
  /** Process start → this module's body (node boot and every import). */
  readonly importedMs: number;
  /** Process start → ensureListener resolved. */
  readonly listenerMs: number;
  /** Process start → the first route decision. */
  readonly routedMs: number;
  readonly cluster: string;
}

const importedMs = performance.now();
const [target, cacheArg, clustersArg] = process.argv.slice(2);
if (target === undefined || cacheArg === undefined) throw new Error('usage: cold-start-run.ts <target> <cacheDir|-> <clusters>');
const bootstrap = decodeBootstrap({ xds_servers: [{ server_uri: target, channel_creds: [{ type: 'insecure' }] }], node: { id: 'bench-cold-start' } });
const store = new SnapshotStore();
const xds = startXds(bootstrap, { store, clock: systemClock, random: Math.random, ...(cacheArg === '-' ? {} : { cacheDir: cacheArg }) });
await xds.ensureListener(LISTENER_NAME);
const listenerMs = performance.now();
const config = store.current.routeConfigurations.get(ROUTE_CONFIG_NAME);
if (config === undefined) throw new Error(`cold-start-run: route configuration ${ROUTE_CONFIG_NAME} not in the snapshot`);
const authority = clusterName(Number(clustersArg) - 1);
const decision = route(compileRouteTable(config), { authority, path: '/', method: 'GET', headers: new Map(), random: Math.random });
const routedMs = performance.now();
if (decision.kind !== 'forward' || !store.current.endpoints.has(decision.cluster)) throw new Error(`cold-start-run: ${authority} did not route to a cluster with endpoints`);
const result: ColdStartResult = { importedMs, listenerMs, routedMs, cluster: decision.cluster };
process.stdout.write(`${JSON.stringify(result)}\n`);
xds.close();
process.exit(0);
