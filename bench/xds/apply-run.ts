// One measured run for bench/xds-apply.bench.ts, in a fresh process started with --expose-gc:
// `xds <clusters> <target> <deadlineMs>` applies the fleet from the ADS server into a SnapshotStore;
// `decode <clusters>` decodes the same resources without gRPC (the baseline). Prints one JSON line.
import { decodeCluster } from '../../src/config/decode-cluster.ts';
import { decodeClusterLoadAssignment } from '../../src/config/decode-endpoints.ts';
import { decodeListener } from '../../src/config/decode-listener.ts';
import { decodeRouteConfiguration } from '../../src/config/decode-route-configuration.ts';
import { decodeBootstrap } from '../../src/config/bootstrap.ts';
import type { DecodeOptions } from '../../src/config/fields.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { anyToJson } from '../../src/xds/proto-json.ts';
import { protoRoot } from '../../src/xds/proto-root.ts';
import { startXds } from '../../src/xds/start-xds.ts';
import { keep } from '../harness.ts';
import { fleet, LISTENER_NAME } from './fleet.ts';

export interface MemoryDelta {
  readonly heapUsedMb: number;
  readonly rssMb: number;
}

export interface ApplyResult {
  readonly mode: 'xds' | 'decode';
  readonly clusters: number;
  readonly complete: boolean;
  /** xds: first request → snapshot holding every cluster with endpoints; decode: JSON.parse + decode of every resource. */
  readonly ms: number;
  /** decode only: protobuf Any → proto3 JSON → decode, per resource, without gRPC or the ADS protocol. */
  readonly anyMs?: number;
  readonly memory: MemoryDelta;
  /** xds only: snapshots published, and clusters in the last one (short of `clusters` when the deadline passed). */
  readonly snapshots?: number;
  readonly clustersApplied?: number;
}

const XDS: DecodeOptions = { strict: false };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('apply-run: start with --expose-gc');

function usage(): { heap: number; rss: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

function delta(before: { heap: number; rss: number }): MemoryDelta {
  const after = usage();
  return { heapUsedMb: (after.heap - before.heap) / 2 ** 20, rssMb: (after.rss - before.rss) / 2 ** 20 };
}

function print(result: ApplyResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [mode, clustersArg, target, deadlineArg] = process.argv.slice(2);
const clusters = Number(clustersArg);
protoRoot();

if (mode === 'decode') {
  const root = protoRoot();
  const any = root.lookupType('google.protobuf.Any');
  const f = fleet(clusters);
  const encode = (r: Record<string, unknown>): { type_url: string; value: Uint8Array } => any.toObject(any.fromObject(r)) as { type_url: string; value: Uint8Array };
  const anys = { listeners: f.listeners.map(encode), routes: f.routeConfigurations.map(encode), clusters: f.clusters.map(encode), assignments: f.assignments.map(encode) };
  const texts = {
    listeners: anys.listeners.map((a) => JSON.stringify(anyToJson(root, a.type_url, a.value))),
    routes: anys.routes.map((a) => JSON.stringify(anyToJson(root, a.type_url, a.value))),
    clusters: anys.clusters.map((a) => JSON.stringify(anyToJson(root, a.type_url, a.value))),
    assignments: anys.assignments.map((a) => JSON.stringify(anyToJson(root, a.type_url, a.value))),
  };
  const before = usage();
  const t0 = performance.now();
  const decoded = [
    texts.listeners.map((t, i) => decodeListener(JSON.parse(t), ['resources', i], XDS)),
    texts.routes.map((t, i) => decodeRouteConfiguration(JSON.parse(t), ['resources', i], XDS)),
    texts.clusters.map((t, i) => decodeCluster(JSON.parse(t), ['resources', i], XDS)),
    texts.assignments.map((t, i) => decodeClusterLoadAssignment(JSON.parse(t), ['resources', i], XDS)),
  ];
  const ms = performance.now() - t0;
  const memory = delta(before);
  keep(decoded);
  const a0 = performance.now();
  keep([
    anys.listeners.map((a, i) => decodeListener(anyToJson(root, a.type_url, a.value), ['resources', i], XDS)),
    anys.routes.map((a, i) => decodeRouteConfiguration(anyToJson(root, a.type_url, a.value), ['resources', i], XDS)),
    anys.clusters.map((a, i) => decodeCluster(anyToJson(root, a.type_url, a.value), ['resources', i], XDS)),
    anys.assignments.map((a, i) => decodeClusterLoadAssignment(anyToJson(root, a.type_url, a.value), ['resources', i], XDS)),
  ]);
  print({ mode: 'decode', clusters, complete: true, ms, anyMs: performance.now() - a0, memory });
} else if (mode === 'xds' && target !== undefined) {
  const deadlineMs = Number(deadlineArg);
  const bootstrap = decodeBootstrap({ xds_servers: [{ server_uri: target, channel_creds: [{ type: 'insecure' }] }], node: { id: 'bench-xds-apply' } });
  const store = new SnapshotStore();
  const before = usage();
  let snapshots = 0;
  const t0 = performance.now();
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), deadlineMs);
    store.subscribe((s) => {
      snapshots++;
      if (s.clusters.size === clusters && s.endpoints.size === clusters) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  const xds = startXds(bootstrap, { store, clock: systemClock, random: Math.random, initialFetchTimeoutMs: deadlineMs });
  xds.ensureListener(LISTENER_NAME).catch((error: unknown) => {
    process.stderr.write(`ensureListener failed: ${String(error)}\n`);
    process.exit(1);
  });
  const complete = await done;
  const ms = performance.now() - t0;
  const memory = delta(before);
  print({ mode: 'xds', clusters, complete, ms, memory, snapshots, clustersApplied: store.current.clusters.size });
  xds.close();
  process.exit(0);
} else {
  throw new Error('usage: apply-run.ts decode <clusters> | xds <clusters> <target> <deadlineMs>');
}
