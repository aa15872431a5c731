// request_headers_to_add append actions, request_headers_to_remove, and the order of levels
// (weighted cluster, route, virtual host, route configuration) Envoy applies them in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeaderValueOption } from '../../../src/core/model/route.ts';
import { applyHeaderMutations, mutationOrder } from '../../../src/core/router/header-mutation.ts';
import { add, mutations, NO_MUTATIONS } from './fixtures.ts';

const before = new Map([['x-a', 'old']]);

// [append action, header present before?, result]
const actions: [HeaderValueOption['appendAction'], boolean, string | undefined][] = [
  ['APPEND_IF_EXISTS_OR_ADD', true, 'old,new'],
  ['APPEND_IF_EXISTS_OR_ADD', false, 'new'],
  ['ADD_IF_ABSENT', true, 'old'],
  ['ADD_IF_ABSENT', false, 'new'],
  ['OVERWRITE_IF_EXISTS_OR_ADD', true, 'new'],
  ['OVERWRITE_IF_EXISTS_OR_ADD', false, 'new'],
  ['OVERWRITE_IF_EXISTS', true, 'new'],
  ['OVERWRITE_IF_EXISTS', false, undefined],
];

for (const [action, present, expected] of actions) {
  test(`append action ${action}, header ${present ? 'present' : 'absent'}`, () => {
    const headers = applyHeaderMutations(present ? before : new Map(), [mutations([add('x-a', 'new', action)])]);
    assert.equal(headers.get('x-a'), expected);
  });
}

test('header mutation: removals come before additions within a level', () => {
  const headers = applyHeaderMutations(before, [mutations([add('x-a', 'new')], ['x-a'])]);
  assert.equal(headers.get('x-a'), 'new');
});

test('header mutation: entries of one level apply in order', () => {
  const headers = applyHeaderMutations(new Map(), [mutations([add('x-a', '1'), add('x-a', '2'), add('x-a', '3', 'ADD_IF_ABSENT')])]);
  assert.equal(headers.get('x-a'), '1,2');
});

test('header mutation: an empty value is skipped (keep_empty_value defaults to false)', () => {
  const headers = applyHeaderMutations(before, [mutations([add('x-a', '', 'OVERWRITE_IF_EXISTS_OR_ADD'), add('x-b', '')])]);
  assert.deepEqual([...headers], [['x-a', 'old']]);
});

test('header mutation: the request map is left alone; with nothing to apply it is returned as is', () => {
  const headers = applyHeaderMutations(before, [mutations([add('x-b', 'v')], ['x-a'])]);
  assert.deepEqual([...before], [['x-a', 'old']]);
  assert.deepEqual([...headers], [['x-b', 'v']]);
  assert.equal(applyHeaderMutations(before, []), before);
});

test('header order: weighted cluster, route, virtual host, route configuration; the later level wins an overwrite', () => {
  const level = (name: string) => mutations([add('x-order', name), add('x-winner', name, 'OVERWRITE_IF_EXISTS_OR_ADD'), add('x-first', name, 'ADD_IF_ABSENT')]);
  const levels = mutationOrder(level('cluster'), level('route'), level('vhost'), level('global'));
  const headers = applyHeaderMutations(new Map(), levels);
  assert.equal(headers.get('x-order'), 'cluster,route,vhost,global');
  assert.equal(headers.get('x-winner'), 'global');
  assert.equal(headers.get('x-first'), 'cluster');
});

test('header order: a later level removes what an earlier one added', () => {
  const levels = mutationOrder(undefined, mutations([add('x-debug', '1')]), mutations([], ['x-debug']), NO_MUTATIONS);
  assert.equal(applyHeaderMutations(new Map(), levels).has('x-debug'), false);
});

test('header order: empty levels are dropped', () => {
  assert.deepEqual(mutationOrder(NO_MUTATIONS, NO_MUTATIONS, mutations([], ['x']), NO_MUTATIONS), [mutations([], ['x'])]);
});
