// Child process of bench/runtime.bench.ts: in a fresh process, imports what a subject needs, then
// times its first response from a local upstream (`createMesh` with a static config and one call,
// or one direct undici.request), and prints the times as one JSON line before it closes. The mesh
// comes from the built package (dist/, what an installed sidelet runs) or from the TypeScript source.
// Usage: node bench/first-response.ts <direct|inline|worker> <upstream port> [package|source]
import { performance } from 'node:perf_hooks';
import type * as MeshModule from '../src/api/mesh.ts';
import { staticBootstrap } from './runtime-fixture.ts';

const [subject, portText, from = 'package'] = process.argv.slice(2);
const port = Number(portText);
const started = performance.now();

if (subject === 'direct') {
  const { Agent, request } = await import('undici');
  const imported = performance.now();
  const agent = new Agent();
  await (await request(`http://127.0.0.1:${port}/`, { dispatcher: agent })).body.text();
  report(imported, performance.now());
  await agent.close();
} else {
  // The package's own name resolves to its dist/ build (a self-reference through "exports").
  const entry = from === 'source' ? '../src/api/mesh.ts' : 'sidelet';
  const { createMesh } = (await import(entry)) as typeof MeshModule;
  const imported = performance.now();
  const mesh = await createMesh({ mode: subject as 'inline' | 'worker', bootstrap: staticBootstrap(port) });
  await (await mesh.fetch('http://upstream/')).text();
  report(imported, performance.now());
  await mesh.close();
}

/** Milliseconds: Node's own start to the script, the imports, and from then to the first response. */
function report(imported: number, answered: number): void {
  console.log(JSON.stringify({ boot: started, imports: imported - started, firstResponse: answered - imported }));
}
