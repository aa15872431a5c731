// Reloading `sidelet run`'s config, as a real process in front of two node:http upstreams: SIGHUP
// moves traffic to a new route; an invalid file, a bootstrap field a reload cannot change and an
// empty file are refused with their place and leave traffic as it was; --watch reloads on change.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { stringify } from 'yaml';
import { apiListener, localCluster } from '../helpers/bootstrap-builders.ts';
import { httpUpstream } from './listener-fixtures.ts';
import { replaceFile, SidecarProcess, tempDir } from './sidecar-process.ts';

/** `svc` routed to `cluster`, with both upstreams' clusters defined, as block YAML; `edit` changes the document first. */
function yaml(cluster: 'blue' | 'green', ports: { blue: number; green: number }, edit: (doc: { static_resources: { clusters: Record<string, unknown>[] } } & Record<string, unknown>) => void = () => {}): string {
  const doc = {
    static_resources: {
      listeners: [apiListener('svc:80', ['svc'], [{ match: { prefix: '/' }, route: { cluster } }])],
      clusters: [localCluster('blue', [ports.blue]), localCluster('green', [ports.green])] as Record<string, unknown>[],
    },
  };
  edit(doc);
  return stringify(doc);
}

/** `file:line:col` of the first line holding `key:` in `text`, as the loader reports it. */
function placeOf(file: string, text: string, key: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes(`${key}:`));
  return `${file}:${index + 1}:${lines[index]!.indexOf(key) + 1}`;
}

/** Which upstream answers `svc` now (fetch would not send the Host header). */
async function ask(port: number): Promise<string> {
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'svc' }, reset: true });
  const body = await response.body.text();
  assert.equal(response.statusCode, 200, body);
  return body;
}

test('SIGHUP applies a new route; an invalid file, a fixed field or an empty file is refused with its place and changes nothing', async (t) => {
  const ports = { blue: await httpUpstream(t, (_req, res) => res.end('blue')), green: await httpUpstream(t, (_req, res) => res.end('green')) };
  const dir = await tempDir(t, 'sidelet-reload-');
  const file = join(dir, 'mesh.yaml');
  await replaceFile(file, yaml('blue', ports));
  const sidecar = new SidecarProcess(t, ['-c', file, '--listen', '127.0.0.1:0']);
  const port = await sidecar.tcpPort();
  const pid = sidecar.child.pid!;
  await sidecar.line(/^sidelet ready epoch 0 pid/);
  assert.equal(await ask(port), 'blue');

  const reload = async (text: string, outcome: RegExp): Promise<RegExpExecArray> => {
    await replaceFile(file, text);
    const since = sidecar.mark();
    process.kill(pid, 'SIGHUP');
    return sidecar.line(outcome, { since });
  };

  await reload(yaml('green', ports), /^sidelet reloaded .* \(SIGHUP\): 1 listeners, 2 clusters, snapshot version 2$/);
  assert.equal(await ask(port), 'green', 'traffic follows the new route');

  const invalid = yaml('green', ports, (doc) => (doc.static_resources.clusters[0]!.lb_policy = 'ROUND_ROBBIN'));
  const refused = await reload(invalid, /^sidelet: reload \(SIGHUP\) refused, the config in force stays: (.*)$/);
  assert.equal(
    refused[1],
    `${placeOf(file, invalid, 'lb_policy')}: static_resources.clusters[0].lb_policy: unknown value "ROUND_ROBBIN"; expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV`,
  );
  assert.equal(sidecar.lines.at(-1)?.stream, 'stderr');
  assert.equal(await ask(port), 'green', 'a refused file leaves the config in force');

  const fixed = await reload(yaml('blue', ports, (doc) => (doc.node = { id: 'another-node' })), /^sidelet: reload \(SIGHUP\) refused, the config in force stays: (.*)$/);
  assert.equal(fixed[1], `${file}: node: changed; a reload applies static_resources only: hot restart (SIGUSR2) to apply it`);
  assert.equal(await ask(port), 'green');

  const empty = await reload('', /^sidelet: reload \(SIGHUP\) refused, the config in force stays: (.*)$/);
  assert.match(empty[1]!, /configures nothing/);
  assert.equal(await ask(port), 'green');

  await reload(`# only a comment differs\n${yaml('green', ports)}`, /^sidelet reload \(SIGHUP\): .* unchanged$/);
  assert.equal(await ask(port), 'green');

  process.kill(pid, 'SIGTERM');
  assert.equal(await sidecar.exited, 0);
});

test('--watch reloads when the file is replaced, and refuses a bad one with its line', async (t) => {
  const ports = { blue: await httpUpstream(t, (_req, res) => res.end('blue')), green: await httpUpstream(t, (_req, res) => res.end('green')) };
  const dir = await tempDir(t, 'sidelet-watch-');
  const file = join(dir, 'mesh.yaml');
  await replaceFile(file, yaml('blue', ports));
  const sidecar = new SidecarProcess(t, ['-c', file, '--listen', '127.0.0.1:0', '--watch']);
  const port = await sidecar.tcpPort();
  await sidecar.line(/^sidelet ready epoch 0 pid/);
  assert.equal(await ask(port), 'blue');

  let since = sidecar.mark();
  await replaceFile(file, yaml('green', ports));
  await sidecar.line(/^sidelet reloaded .* \(file change\): 1 listeners, 2 clusters/, { since });
  assert.equal(await ask(port), 'green');

  since = sidecar.mark();
  const invalid = yaml('blue', ports, (doc) => (doc.static_resources.clusters[1]!.connect_timeout = 'soon'));
  await replaceFile(file, invalid);
  const refused = await sidecar.line(/^sidelet: reload \(file change\) refused, the config in force stays: (.*)$/, { since });
  assert.match(refused[1]!, new RegExp(`^${placeOf(file, invalid, 'connect_timeout').replaceAll('.', '\\.')}: static_resources\\.clusters\\[1\\]\\.connect_timeout: `));
  assert.equal(await ask(port), 'green');

  sidecar.child.kill('SIGTERM');
  assert.equal(await sidecar.exited, 0);
});
