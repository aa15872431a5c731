// How long loading the xDS proto subset takes (start-up cost) — parsing proto/*.proto against
// building the same Root from the pre-built JSON descriptor the runtime uses — and decoding one resource.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { anyToJson } from '../src/xds/proto-json.ts';
import { loadProtoRoot } from '../src/xds/proto-root.ts';
import { CLUSTER, decodeResource } from '../src/xds/resource-types.ts';
import { report, timeOps } from './harness.ts';

const descriptor = loadProtoRoot().toJSON();

const warm = [
  timeOps('parse proto/*.proto (warm)', () => loadProtoRoot(), { batch: 1, batches: 40 }),
  timeOps('Root.fromJSON(descriptor) (warm)', () => protobuf.Root.fromJSON(descriptor).resolveAll(), { batch: 1, batches: 40 }),
];

/** A fresh process per sample: what a cold start pays, including loading protobufjs itself. */
function coldMs(script: string): number {
  const runs = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..') }).toString()));
  return runs.sort((a, b) => a - b)[2]!;
}
const coldParse = coldMs(`const m=await import('./src/xds/proto-root.ts');const t=performance.now();m.loadProtoRoot();console.log(performance.now()-t)`);
const coldJson = coldMs(`const m=await import('./src/xds/proto-root.ts');const t=performance.now();m.protoRoot();console.log(performance.now()-t)`);
const coldImport = coldMs(`const t=performance.now();await import('./src/xds/proto-root.ts');console.log(performance.now()-t)`);

const root = loadProtoRoot();
const any = root.lookupType('google.protobuf.Any');
const cluster = any.toObject(
  any.fromObject({ '@type': CLUSTER.typeUrl, name: 'c', type: 'EDS', eds_cluster_config: { service_name: 's' }, lb_policy: 'LEAST_REQUEST', circuit_breakers: { thresholds: [{ max_requests: { value: 100 } }] } }),
) as { type_url: string; value: Uint8Array };
const json = anyToJson(root, cluster.type_url, cluster.value);
const text = JSON.stringify(json);
const baseline = timeOps('JSON.parse of the same Cluster (baseline)', () => JSON.parse(text), { batch: 1000, batches: 50 });
const decode = timeOps('protobuf Any → proto3 JSON', () => anyToJson(root, cluster.type_url, cluster.value), { batch: 1000, batches: 50 });
const full = timeOps('protobuf Any → JSON → Cluster model', () => decodeResource(CLUSTER, anyToJson(root, cluster.type_url, cluster.value), 0), { batch: 1000, batches: 50 });

report('xDS proto loading (warm, in process)', warm[1]!, [warm[0]!], ['baseline: building the Root from a pre-built JSON descriptor']);
report('xDS resource decoding', baseline, [decode, full]);
console.log(`\ncold start, fresh process (median of 5): importing protobufjs and the loader ${coldImport.toFixed(1)} ms, then parse .proto ${coldParse.toFixed(1)} ms or JSON descriptor ${coldJson.toFixed(1)} ms; ratio ${(coldParse / coldJson).toFixed(2)}x`);
