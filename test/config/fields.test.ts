// The proto3-JSON field reader: proto and JSON names, null as absent, strict unknown fields, typed getters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fields } from '../../src/config/fields.ts';
import { parseDuration } from '../../src/config/decode-well-known.ts';

const strict = { strict: true };

test('a field is found by its proto name or its lowerCamelCase name, not both', () => {
  assert.equal(new Fields({ lb_policy: 'RANDOM' }, ['c'], strict).string('lb_policy'), 'RANDOM');
  assert.equal(new Fields({ lbPolicy: 'RANDOM' }, ['c'], strict).string('lb_policy'), 'RANDOM');
  assert.throws(() => new Fields({ lb_policy: 'A', lbPolicy: 'B' }, ['c'], strict).string('lb_policy'), {
    message: 'c: both "lb_policy" and "lbPolicy" are set; they are the same field',
  });
});

test('strict mode refuses unread fields; null counts as absent; lenient mode accepts', () => {
  const value = { name: 'x', extra: 1, ignored: null };
  const f = new Fields(value, ['root'], strict);
  f.string('name');
  assert.throws(() => f.end(), { message: 'root.extra: unknown field' });
  const g = new Fields(value, ['root'], strict);
  g.string('name');
  g.end(['extra']);
  const lenient = new Fields(value, ['root'], { strict: false });
  lenient.end();
});

test('typed getters name the path and the reason', () => {
  const f = new Fields({ n: 'seven', b: 'yes', e: 'NOPE', list: {}, port: { value: 80 }, big: '9007199254740993' }, ['x'], strict);
  assert.throws(() => f.number('n'), { message: 'x.n: expected a number, got the string "seven"' });
  assert.throws(() => f.bool('b', false), { message: 'x.b: expected true or false, got the string "yes"' });
  assert.throws(() => f.enumOf('e', ['A', 'B'] as const, 'A'), { message: 'x.e: unknown value "NOPE"; expected one of A, B' });
  assert.throws(() => f.list('list', (v) => v), { message: 'x.list: expected a list, got an object' });
  assert.equal(f.number('port', { integer: true, min: 1, max: 65535 }), 80, 'wrappers unwrap');
  assert.equal(f.enumOf('missing', ['A', 'B'] as const, 'B'), 'B');
  assert.equal(new Fields({ e: 1 }, [], strict).enumOf('e', ['A', 'B'] as const, 'A'), 'B', 'enums by number');
  assert.throws(() => new Fields({ p: 1.5 }, ['x'], strict).number('p', { integer: true }), { message: 'x.p: expected an integer, got 1.5' });
  assert.throws(() => new Fields({ o: 'a', p: 'b' }, ['x'], strict).oneof(['o', 'p'], 'thing'), { message: 'x: only one thing may be set, found o and p' });
  assert.throws(() => new Fields([], ['x'], strict), { message: 'x: expected an object, got a list' });
});

test('durations in both proto3 forms', () => {
  const cases: [unknown, number][] = [
    ['1s', 1000],
    ['0.25s', 250],
    ['1.000000001s', 1000.000001],
    ['0s', 0],
    [{ seconds: 2, nanos: 500_000_000 }, 2500],
    [{ seconds: '3' }, 3000],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input, ['d']), ms, JSON.stringify(input));
  for (const bad of ['1', '1m', '-1s', 5, { seconds: -1 }]) assert.throws(() => parseDuration(bad, ['d']), /^ConfigError: d(\.seconds)?: /, JSON.stringify(bad));
});

test('a {seconds, nanos} duration out of google.protobuf.Duration range names the field', () => {
  assert.throws(() => parseDuration({ seconds: 1, nanos: 1_000_000_000 }, ['route', 'timeout']), { message: 'route.timeout.nanos: expected 0 to 999999999 nanoseconds, got number 1000000000' });
  assert.throws(() => parseDuration({ seconds: 0, nanos: -5 }, ['d']), { message: 'd.nanos: expected 0 to 999999999 nanoseconds, got number -5' });
  assert.throws(() => parseDuration({ seconds: 1.5 }, ['d']), { message: 'd.seconds: expected whole seconds from 0 to 315576000000, got number 1.5' });
  assert.throws(() => parseDuration({ seconds: 'x' }, ['d']), /^ConfigError: d\.seconds: expected whole seconds/);
});
