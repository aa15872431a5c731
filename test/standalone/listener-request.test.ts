// originOf, the origin and path a listener routes a request by: its shortcut for plain targets
// and authorities gives what parsing the whole URL gives, for any target and Host.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { originOf } from '../../src/standalone/listener-request.ts';

/** The reference: the URL the listener would parse from the authority and an origin-form target. */
function parsed(target: string, host: string): { origin: string; path: string } | undefined {
  const url = URL.parse(`http://${host}${target.startsWith('/') ? target : `/${target}`}`);
  return url === null ? undefined : { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** Characters that URL parsing keeps, encodes, resolves or ends a part at. */
const targetChar = fc.constantFrom(...'aZ09-._~!$&()*+,;=:@/%?2eE\'" #\\{}^|<>'.split(''));
const hostChar = fc.constantFrom(...'aZ09-._~:[]/?#@%'.split(''));

test('a target and Host give the origin and path that parsing the whole URL gives', () => {
  fc.assert(
    fc.property(fc.string({ unit: targetChar, maxLength: 24 }), fc.string({ unit: hostChar, minLength: 1, maxLength: 12 }), (rest, host) => {
      const target = `/${rest}`;
      assert.deepEqual(originOf(target, host, undefined), parsed(target, host));
    }),
    { numRuns: 5000 },
  );
});

test('the usual shapes: a plain target keeps its bytes; dot segments, quotes and ports are as URL parsing makes them', () => {
  assert.deepEqual(originOf('/api/v1?x=1', 'Reviews:80', undefined), { origin: 'http://reviews', path: '/api/v1?x=1' });
  assert.deepEqual(originOf('/a/../b', 'svc:8080', undefined), { origin: 'http://svc:8080', path: '/b' });
  assert.deepEqual(originOf('/%2e%2e/x', 'svc', undefined), { origin: 'http://svc', path: '/x' });
  assert.deepEqual(originOf("/a?b='c", 'svc', undefined), { origin: 'http://svc', path: '/a?b=%27c' });
  assert.deepEqual(originOf('/x', '[::1]:9', undefined), { origin: 'http://[::1]:9', path: '/x' });
  assert.equal(originOf('/x', 'bad host', undefined), undefined);
  assert.equal(originOf('/x', undefined, undefined), undefined);
});
