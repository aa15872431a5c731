// Applying a large fleet over ADS: the fixture ADS server (grpc-js, in a child process on
// 127.0.0.1) serves N EDS clusters of 10 endpoints behind one listener whose route configuration
// names them all; a fresh client process measures first request → snapshot holding every cluster
// with its endpoints, and the heap/RSS it keeps, against decoding the same resources without gRPC.
// Usage: node bench/xds-apply.bench.ts [--sizes 250,500,10000] [--deadline-s 120]
import { parseArgs } from 'node:util';
import type { ApplyResult } from './xds/apply-run.ts';
import { runJson, startFixture } from './xds/children.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '250,500,10000' }, 'deadline-s': { type: 'string', default: '120' } } });
const sizes = values.sizes.split(',').map(Number);
const deadlineMs = Number(values['deadline-s']) * 1000;
const script = 'bench/xds/apply-run.ts';

const rows: Record<string, string>[] = [];
for (const clusters of sizes) {
  const decode = await runJson<ApplyResult>(['--expose-gc'], script, ['decode', String(clusters)], deadlineMs + 60_000);
  const fixture = await startFixture(clusters);
  let xds: ApplyResult;
  try {
    xds = await runJson<ApplyResult>(['--expose-gc'], script, ['xds', String(clusters), fixture.target, String(deadlineMs)], deadlineMs + 60_000);
  } finally {
    await fixture.stop();
  }
  const mb = (n: number): string => n.toFixed(1);
  rows.push({
    clusters: clusters.toLocaleString('en-US'),
    endpoints: (clusters * 10).toLocaleString('en-US'),
    'baseline: JSON.parse + decode ms': decode.ms.toFixed(0),
    'Any → JSON → decode ms': (decode.anyMs ?? Number.NaN).toFixed(0),
    'ADS apply ms': xds.complete ? xds.ms.toFixed(0) : `> ${xds.ms.toFixed(0)} (deadline; ${xds.clustersApplied} clusters applied)`,
    'apply vs baseline': `${xds.complete ? '' : '> '}${(xds.ms / decode.ms).toFixed(1)}x`,
    snapshots: String(xds.snapshots),
    'heap MB base/ADS': `${mb(decode.memory.heapUsedMb)} / ${mb(xds.memory.heapUsedMb)}`,
    'RSS MB base/ADS': `${mb(decode.memory.rssMb)} / ${mb(xds.memory.rssMb)}`,
  });
}

console.log(`\n## xDS apply: N clusters × 10 endpoints over ADS  (node ${process.version})`);
console.table(rows);
console.log('server: test/xds/fixtures/ads-server.ts in a child process; client: a fresh process per run, started with --expose-gc');
console.log('memory: heapUsed and RSS after two gc() calls, minus the same before the work; ADS keeps the client, its entries (decoded value + proto3 JSON) and the snapshot');
console.log(`a run that does not finish within ${deadlineMs / 1000} s reports how far it got`);
