// A data-plane worker starts without undici's module graph: the data plane's modules and a
// plaintext HTTP/1.1 pool leave it unloaded, and the first HTTP/2 pool loads it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import test from 'node:test';
import { Worker } from 'node:worker_threads';

/** In a fresh worker: imports the data plane, builds a plaintext HTTP/1.1 pool then an h2c one, and reports whether undici was loaded after each step. */
const PROBE = `
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
const require = createRequire(${JSON.stringify(new URL('./', import.meta.url).href)});
const undiciLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/undici/'));
await import(${JSON.stringify(new URL('../../src/runtime/data-plane.ts', import.meta.url).href)});
const { EndpointPool } = await import(${JSON.stringify(new URL('../../src/protocols/http/endpoint-pool.ts', import.meta.url).href)});
const afterImports = undiciLoaded();
const endpoint = { id: '127.0.0.1:9', address: '127.0.0.1', port: 9 };
const settings = { http2: false, connectTimeoutMs: 1000, connections: 1, streamsPerConnection: 1, tls: undefined };
await new EndpointPool(endpoint, settings, undefined).destroy();
const afterHttp1Pool = undiciLoaded();
await new EndpointPool(endpoint, { ...settings, http2: true }, undefined).destroy();
parentPort.postMessage({ afterImports, afterHttp1Pool, afterH2Pool: undiciLoaded() });
`;

test('a data-plane worker loads undici only when its first HTTP/2 (or TLS) pool needs it', async () => {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(PROBE)}`));
  const [report] = (await once(worker, 'message')) as [{ afterImports: boolean; afterHttp1Pool: boolean; afterH2Pool: boolean }];
  await worker.terminate();
  assert.deepEqual(report, { afterImports: false, afterHttp1Pool: false, afterH2Pool: true });
});
