// Envoy's bootstrap `admin` block: decoded strictly (the fields sidelet supports, the rest refused
// with their path), and `sidelet run` as a real process serving the admin pages where it says,
// unless --admin says otherwise; a bad block stops the start with its file and line.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';
import { SidecarProcess, tempDir } from './sidecar-process.ts';

const socketAddress = (address: object) => ({ address: { socket_address: address } });

test('the admin block decodes an Envoy admin address and refuses what sidelet cannot honour, naming the path', async () => {
  const { bootstrap } = await loadBootstrap({ admin: { access_log_path: '/dev/null', profile_path: '/tmp/envoy.prof', ...socketAddress({ address: '127.0.0.1', port_value: 9901 }) } });
  assert.deepEqual(bootstrap.admin, { address: { host: '127.0.0.1', port: 9901 } });
  assert.equal((await loadBootstrap({})).bootstrap.admin, undefined);
  assert.deepEqual((await loadBootstrap({ admin: socketAddress({ address: '::1' }) })).bootstrap.admin, { address: { host: '::1', port: 0 } }, 'no port_value: any free port');

  const refusals: [object, string][] = [
    [{}, 'bootstrap object: admin.address: required: the admin server needs an address'],
    [{ address: { pipe: { path: '/run/admin.sock' } } }, 'bootstrap object: admin.address.pipe: the admin server listens on a TCP socket_address only'],
    [socketAddress({ address: '127.0.0.1', port_value: 70000 }), 'bootstrap object: admin.address.socket_address.port_value: must be at most 65535, got 70000'],
    [socketAddress({ address: '127.0.0.1', portvalue: 9901 }), 'bootstrap object: admin.address.socket_address.portvalue: unknown field'],
    [socketAddress({ port_value: 9901 }), 'bootstrap object: admin.address.socket_address.address: required, must be a non-empty string'],
    [socketAddress({ address: '127.0.0.1', protocol: 'UDP' }), 'bootstrap object: admin.address.socket_address.protocol: the admin server speaks HTTP over TCP'],
    [{ ...socketAddress({ address: '127.0.0.1' }), socket_options: [] }, 'bootstrap object: admin.socket_options: unknown field'],
  ];
  for (const [admin, message] of refusals) {
    await assert.rejects(loadBootstrap({ admin }), (error: Error) => {
      assert.equal(error.message, message);
      return true;
    });
  }
});

async function bootstrapFile(t: TestContext, text: string): Promise<string> {
  const file = join(await tempDir(t, 'sidelet-admin-'), 'mesh.yaml');
  await writeFile(file, text);
  return file;
}

test('run serves the admin pages at the bootstrap admin address; --admin wins over it', async (t) => {
  const file = await bootstrapFile(t, 'admin:\n  address:\n    socket_address: { address: 127.0.0.2, port_value: 0 }\nstatic_resources: {}\n');
  const fromBlock = new SidecarProcess(t, ['-c', file, '--listen', '127.0.0.1:0']);
  const [, host, port] = await fromBlock.line(/^sidelet admin http:\/\/(127\.0\.0\.2):(\d+)\//);
  await fromBlock.line(/^sidelet ready epoch 0/);
  const ready = await fetch(`http://${host}:${port}/ready`);
  assert.deepEqual([ready.status, await ready.text()], [200, 'LIVE\n']);
  fromBlock.child.kill('SIGTERM');
  assert.equal(await fromBlock.exited, 0);

  const fromFlag = new SidecarProcess(t, ['-c', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
  const [, flagPort] = await fromFlag.line(/^sidelet admin http:\/\/127\.0\.0\.1:(\d+)\//);
  assert.equal((await fetch(`http://127.0.0.1:${flagPort}/ready`)).status, 200);
  assert.equal(
    fromFlag.lines.some((l) => l.text.includes('127.0.0.2')),
    false,
    'the block is not used',
  );
  fromFlag.child.kill('SIGTERM');
  assert.equal(await fromFlag.exited, 0);
});

test('run refuses a bad admin block with its file and line, and exits 1', async (t) => {
  const file = await bootstrapFile(t, 'static_resources: {}\nadmin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 99999 }\n');
  const sidecar = new SidecarProcess(t, ['-c', file, '--listen', '127.0.0.1:0']);
  assert.equal(await sidecar.exited, 1);
  await sidecar.closed;
  assert.deepEqual(
    sidecar.lines.map((l) => l.text),
    [`${file}:4:43: admin.address.socket_address.port_value: must be at most 65535, got 99999`],
  );
});
