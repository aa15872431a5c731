// `node --import sidelet/register`: a valid bootstrap lets the app run; a bad one stops it with the precise error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

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
