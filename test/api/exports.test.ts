// The package entry points resolve through package.json "exports" to the build.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('"sidelet" exports the loader and the typed errors', async () => {
  const api = await import('sidelet');
  assert.equal(typeof api.loadBootstrap, 'function');
  const error = new api.MeshError('SIDELET_RATE_LIMITED', 'limited');
  assert.deepEqual([error.code, error.status, error.responseFlag], ['SIDELET_RATE_LIMITED', 429, 'RL']);
  assert.ok(error instanceof api.SideletError);
});
