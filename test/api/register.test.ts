// `node --import sidelet/register`: a valid bootstrap lets the app run; a bad one stops it with
// the precise error; the app's own global fetch goes through the mesh, and the mesh never holds
// the process open.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

const register = new URL('../../src/api/register.ts', import.meta.url).href;
const fixture = (name: string) => new URL(`../config/fixtures/${name}`, import.meta.url).pathname;

function runApp(env: Record<string, string>) {
  const { SIDELET_BOOTSTRAP, GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG, ...rest } = process.env;
  return spawnSync(process.execPath, ['--import', register, '-e', 'console.log("app ran")'], { encoding: 'utf8', env: { ...rest, ...env } });
}

test('with a valid bootstrap in the environment the app runs', () => {
  const result = runApp({ SIDELET_BOOTSTRAP: fixture('static-mesh.yaml') });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'app ran\n');
});

test('with a bad bootstrap the app does not start and the error names the file', () => {
  const result = runApp({ GRPC_XDS_BOOTSTRAP_CONFIG: '{"xds_servers": [{"server_uri": "x"}]}' });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, 'sidelet: GRPC_XDS_BOOTSTRAP_CONFIG:1:18: xds_servers[0].channel_creds: required, at least one channel credential\n');
});

test('an unmodified app\'s global fetch goes through the mesh, and the app exits by itself', async (t) => {
  const server = createServer((req, res) => res.end(`served ${req.url} for ${req.headers.host}`));
  // A keep-alive connection the server never closes: the child exits only if the mesh does not hold it.
  server.keepAliveTimeout = 10 * 60 * 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const bootstrap = meshBootstrap('reviews:80', ['reviews'], [{ match: { prefix: '/' }, route: { cluster: 'reviews' } }], [localCluster('reviews', [port])]);
  const { SIDELET_BOOTSTRAP, GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG, ...rest } = process.env;
  const app = 'const res = await fetch("http://reviews/api?x=1"); console.log(res.status, await res.text());';
  // The bound only turns a child that never exits into a failure instead of a hung run.
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--import', register, '--input-type=module', '-e', app], { encoding: 'utf8', timeout: 60_000, env: { ...rest, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) } }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '200 served /api?x=1 for reviews\n');
});
