// Snapshots are swapped whole and frozen: a reader keeps the version it took.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotStore } from '../../../src/core/model/snapshot-store.ts';
import type { Cluster } from '../../../src/core/model/cluster.ts';

const parts = (clusterNames: string[]) => ({
  listeners: new Map(),
  routeConfigurations: new Map(),
  clusters: new Map(clusterNames.map((name) => [name, { name } as Cluster])),
  endpoints: new Map(),
});

test('replace publishes a new frozen version; a reader keeps the one it took', () => {
  const store = new SnapshotStore();
  const seen: number[] = [];
  const unsubscribe = store.subscribe((s) => seen.push(s.version));
  const first = store.replace(parts(['a']));
  const held = store.current;
  const second = store.replace(parts(['a', 'b']));
  assert.equal(first.version, 1);
  assert.equal(second.version, 2);
  assert.equal(held, first);
  assert.deepEqual([...held.clusters.keys()], ['a']);
  assert.deepEqual([...store.current.clusters.keys()], ['a', 'b']);
  assert.deepEqual(seen, [1, 2]);
  unsubscribe();
  store.replace(parts([]));
  assert.deepEqual(seen, [1, 2]);
  assert.throws(() => (second.clusters as Map<string, Cluster>).set('c', { name: 'c' } as Cluster), /immutable/);
  assert.throws(() => (second.clusters as Map<string, Cluster>).delete('a'), /immutable/);
  assert.throws(() => {
    (second.clusters.get('a') as { name: string }).name = 'z';
  }, TypeError);
});
