// Java types of invoke's arguments: every spelling of a type name read alike, Dubbo descriptors
// and SOFA type names from them, inference for plain values, and errors that name the argument.
import assert from 'node:assert/strict';
import test from 'node:test';
import { javaArgs, jvmDescriptor, parseJavaType, sofaTypeName } from '../../../src/protocols/xprotocol/java-args.ts';
import { java } from '../dubbo/fixtures.ts';

test('a type name in any spelling reads as the same type', () => {
  const stringArray = { element: 'java.lang.String', dimensions: 1 };
  for (const name of ['[Ljava.lang.String;', '[java.lang.String', '[string', 'java.lang.String[]']) assert.deepEqual(parseJavaType(name), stringArray, name);
  for (const name of ['[I', '[int', 'int[]']) assert.deepEqual(parseJavaType(name), { element: 'int', dimensions: 1 }, name);
  assert.deepEqual(parseJavaType('[[J'), { element: 'long', dimensions: 2 });
  assert.deepEqual(parseJavaType('com.example.Outer$Inner'), { element: 'com.example.Outer$Inner', dimensions: 0 });
  for (const bad of ['', 'java..lang', '1abc', '[', 'a b', '[L;']) assert.equal(parseJavaType(bad), undefined, bad);
});

test('Dubbo descriptors and SOFA type names, as Dubbo ReflectUtils and SOFA ClassTypeUtils write them', () => {
  const cases: [string, string, string][] = [
    ['java.lang.String', 'Ljava/lang/String;', 'java.lang.String'],
    ['int', 'I', 'int'],
    ['boolean', 'Z', 'boolean'],
    ['long', 'J', 'long'],
    ['double', 'D', 'double'],
    ['[java.lang.String', '[Ljava/lang/String;', 'java.lang.String[]'],
    ['[[I', '[[I', 'int[][]'],
    ['char[]', '[C', 'char[]'],
  ];
  for (const [name, descriptor, sofa] of cases) {
    const type = parseJavaType(name)!;
    assert.equal(jvmDescriptor(type), descriptor, name);
    assert.equal(sofaTypeName(type), sofa, name);
  }
});

test('typed values keep their value; $abstractClass is the declared type', () => {
  const typed = java.int(7);
  const [int, user] = javaArgs([typed, { $class: 'com.example.VipUser', $abstractClass: 'com.example.User', $: { name: 'ann' } }], 'args');
  assert.equal(int!.value, typed);
  assert.equal(jvmDescriptor(int!.type), 'I');
  assert.equal(jvmDescriptor(user!.type), 'Lcom/example/User;');
  const [nullString] = javaArgs([java.String(null as unknown as string)], 'args');
  assert.equal(jvmDescriptor(nullString!.type), 'Ljava/lang/String;');
});

test('plain values get an inferred type', () => {
  const args = javaArgs(['s', true, 42, -0x80000000, 0x80000000, 1.5, 2n ** 40n, new Date(0), Buffer.from([1]), new Uint8Array([2, 3]), [1], { a: 1 }, Object.create(null) as object], 'args');
  assert.deepEqual(
    args.map((arg) => jvmDescriptor(arg.type)),
    ['Ljava/lang/String;', 'Z', 'I', 'I', 'J', 'D', 'J', 'Ljava/util/Date;', '[B', '[B', 'Ljava/util/List;', 'Ljava/util/Map;', 'Ljava/util/Map;'],
  );
  assert.deepEqual(args[6]!.value, { $class: 'long', $: '1099511627776' });
  assert.ok(Buffer.isBuffer(args[9]!.value));
  assert.deepEqual([...(args[9]!.value as Buffer)], [2, 3]);
});

test('values without an inferable type fail naming the argument', () => {
  assert.throws(() => javaArgs(['a', null], 'invoke: options.args'), { name: 'TypeError', message: /^invoke: options\.args\[1\]: null has no inferred Java type; pass \{ \$class/ });
  assert.throws(() => javaArgs([undefined], 'args'), /args\[0\]: undefined has no inferred Java type/);
  assert.throws(() => javaArgs([NaN], 'args'), /args\[0\]: NaN has no inferred Java type/);
  assert.throws(() => javaArgs([new Map()], 'args'), /args\[0\]: a Map has no inferred Java type/);
  assert.throws(() => javaArgs([() => 1], 'args'), /args\[0\]: function has no inferred Java type/);
  assert.throws(() => javaArgs([2n ** 63n], 'args'), /args\[0\]: 9223372036854775808 does not fit a Java long/);
  assert.throws(() => javaArgs([{ $class: 'not a type', $: 1 }], 'args'), /args\[0\]: "not a type" is not a Java type name/);
});
