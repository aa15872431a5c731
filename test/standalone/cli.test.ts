// The CLI as a real process: --version, validate on a good file and on a bad one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const cli = new URL('../../src/standalone/cli.ts', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('--version prints the package version', () => {
  const result = run('--version');
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('the built command (the package bin) runs from dist', () => {
  const built = new URL('../../dist/src/standalone/cli.js', import.meta.url).pathname;
  const result = spawnSync(process.execPath, [built, '--version'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, run('--version').stdout);
});

test('validate accepts a good bootstrap and summarises it', () => {
  const result = run('validate', new URL('../config/fixtures/static-mesh.yaml', import.meta.url).pathname);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /valid\n/);
  assert.match(result.stdout, /listeners: +reviews:80, ratings:9080\n/);
  assert.match(result.stdout, /endpoints: +5\n/);
});

test('validate refuses a bad bootstrap with the precise error and exit code 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-cli-'));
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'static_resources:\n  clusters:\n    - name: a\n      type: EDS\n      lb_policy: ROUND_ROBBIN\n');
  const result = run('validate', file);
  assert.equal(result.status, 1);
  assert.equal(
    result.stderr,
    `${file}:5:7: static_resources.clusters[0].lb_policy: unknown value "ROUND_ROBBIN"; expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV\n`,
  );
});

test('an unknown command exits non-zero with help', () => {
  const result = run('frobnicate');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /unknown command/);
});
