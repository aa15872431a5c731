// Process start → first resolved route with a warm last-known-good cache and the control plane
// down, against the same with the control plane up and no cache (the baseline), each over N fresh
// processes. The fixture ADS server (grpc-js, 127.0.0.1) runs in a child process.
// Usage: node bench/xds-cold-start.bench.ts [--runs 5] [--clusters 20]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from './harness.ts';
import { runJson, startFixture } from './xds/children.ts';
import type { ColdStartResult } from './xds/cold-start-run.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, clusters: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const clusters = values.clusters;
const script = 'bench/xds/cold-start-run.ts';
const deadlineMs = 60_000;
const cacheDir = mkdtempSync(join(tmpdir(), 'sidelet-bench-lkg-'));

const p50 = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5);

try {
  const fixture = await startFixture(Number(clusters));
  const target = fixture.target;
  const fetched: ColdStartResult[] = [];
  try {
    await runJson<ColdStartResult>([], script, [target, cacheDir, clusters], deadlineMs);
    for (let i = 0; i < runs; i++) fetched.push(await runJson<ColdStartResult>([], script, [target, '-', clusters], deadlineMs));
  } finally {
    await fixture.stop();
  }
  const cachedFiles = readdirSync(cacheDir).length;
  const cached: ColdStartResult[] = [];
  for (let i = 0; i < runs; i++) cached.push(await runJson<ColdStartResult>([], script, [target, cacheDir, clusters], deadlineMs));

  const row = (name: string, results: readonly ColdStartResult[]): Record<string, string> => ({
    subject: name,
    'p50 imports done ms': p50(results.map((r) => r.importedMs)).toFixed(1),
    'p50 ensureListener ms': p50(results.map((r) => r.listenerMs)).toFixed(1),
    'p50 first route ms': p50(results.map((r) => r.routedMs)).toFixed(1),
    'xDS share p50 ms': p50(results.map((r) => r.routedMs - r.importedMs)).toFixed(1),
    'all runs, first route ms': results.map((r) => r.routedMs.toFixed(0)).join(' '),
  });
  console.log(`\n## xDS cold start → first route, ${clusters} clusters, ${runs} fresh processes each  (node ${process.version})`);
  console.table([row('baseline: server up, no cache', fetched), row('server down, warm cache', cached)]);
  const ratio = p50(cached.map((r) => r.routedMs)) / p50(fetched.map((r) => r.routedMs));
  const shareRatio = p50(cached.map((r) => r.routedMs - r.importedMs)) / p50(fetched.map((r) => r.routedMs - r.importedMs));
  console.log(`first route, warm cache vs server up: ${ratio.toFixed(2)}x (process start → route); xDS part alone (after imports): ${shareRatio.toFixed(2)}x`);
  console.log(`times from process start (performance.timeOrigin); cache: ${cachedFiles} files written by one priming run against the server`);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
