// Child process of bench/runtime.bench.ts: in a fresh process, imports what a subject needs, then
// times its first response from a local upstream (`createMesh` with a static config and one call,
// or one direct undici.request), and prints the times as one JSON line before it closes.
// Usage: node bench/first-response.ts <direct|inline|worker> <upstream port>
import { performance } from 'node:perf_hooks';
import { staticBootstrap } from './runtime-fixture.ts';

const [subject, portText] = process.argv.slice(2);
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
  const { createMesh } = await import('../src/api/mesh.ts');
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
