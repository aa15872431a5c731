// Java types of RPC arguments: a js-to-java style value (`{ $class, $ }`) names its type, a plain
// JS value gets one by inference. Dubbo sends the types as a JVM descriptor (`Ljava/lang/String;I`),
// SOFA RPC as type names (`java.lang.String`, `int[]`); the provider picks the overload by them.

/** A value typed for hessian, as js-to-java builds it; `$abstractClass` is the declared parameter type. */
export interface JavaTyped {
  readonly $class: string;
  readonly $: unknown;
  readonly $abstractClass?: string;
}

/** A primitive or class name (dotted) and the array dimensions around it: `int[][]` is `{ element: 'int', dimensions: 2 }`. */
export interface JavaType {
  readonly element: string;
  readonly dimensions: number;
}

/** One argument ready for hessian: its Java type and the value the hessian encoder writes. */
export interface JavaArg {
  readonly type: JavaType;
  readonly value: unknown;
}

const PRIMITIVE_LETTERS: Readonly<Record<string, string>> = { boolean: 'Z', byte: 'B', char: 'C', short: 'S', int: 'I', long: 'J', float: 'F', double: 'D' };
const LETTER_PRIMITIVES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PRIMITIVE_LETTERS).map(([name, letter]) => [letter, name]));
/** Hessian's short element names in list types (`[string` is a String[]). */
const HESSIAN_ALIASES: Readonly<Record<string, string>> = { string: 'java.lang.String', object: 'java.lang.Object' };
const CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;

/**
 * Reads a type name in any of the spellings callers and libraries use: a class or primitive name
 * (`java.lang.String`, `int`), a JVM array name (`[I`, `[Ljava.lang.String;`), a Hessian list type
 * (`[int`, `[java.lang.String`, `[string`) or a source array name (`int[]`, `char[]`). Undefined
 * for anything else.
 */
export function parseJavaType(name: string): JavaType | undefined {
  let rest = name.trim();
  let dimensions = 0;
  while (rest.endsWith('[]')) {
    rest = rest.slice(0, -2);
    dimensions++;
  }
  const source = dimensions > 0;
  while (rest.startsWith('[')) {
    rest = rest.slice(1);
    dimensions++;
  }
  if (dimensions > 0 && !source) {
    const primitive = rest.length === 1 ? LETTER_PRIMITIVES[rest] : undefined;
    if (primitive !== undefined) return { element: primitive, dimensions };
    if (rest.startsWith('L') && rest.endsWith(';')) rest = rest.slice(1, -1);
    else rest = HESSIAN_ALIASES[rest] ?? rest;
  }
  if (dimensions > 255 || !CLASS_NAME.test(rest)) return undefined;
  return { element: rest, dimensions };
}

/** The JVM descriptor of one type, as Dubbo's ReflectUtils.getDesc writes it: `I`, `[Ljava/lang/String;`. */
export function jvmDescriptor(type: JavaType): string {
  const letter = PRIMITIVE_LETTERS[type.element];
  return '['.repeat(type.dimensions) + (letter ?? `L${type.element.replaceAll('.', '/')};`);
}

/** The type name SOFA RPC puts in methodArgSigs (its ClassTypeUtils.getTypeStr): `int`, `java.lang.String[]`. */
export function sofaTypeName(type: JavaType): string {
  return type.element + '[]'.repeat(type.dimensions);
}

/**
 * Each argument's Java type and hessian value. Typed values keep their value and take their type
 * from `$abstractClass` or `$class`. Plain values, by inference: string → java.lang.String,
 * boolean → boolean, an integer number in int range → int, outside it → long, other numbers →
 * double, bigint → long, Date → java.util.Date, Buffer or Uint8Array → byte[], array →
 * java.util.List, plain object → java.util.Map. Anything else (null included: its type is
 * unknowable) throws a TypeError naming the argument: `where[i]`.
 */
export function javaArgs(args: readonly unknown[], where: string): JavaArg[] {
  return args.map((arg, i) => javaArg(arg, `${where}[${i}]`));
}

function javaArg(arg: unknown, where: string): JavaArg {
  if (isTyped(arg)) {
    const declared = arg.$abstractClass ?? arg.$class;
    const type = parseJavaType(declared);
    if (type === undefined) throw new TypeError(`${where}: "${declared}" is not a Java type name`);
    return { type, value: arg };
  }
  switch (typeof arg) {
    case 'string':
      return plain('java.lang.String', arg);
    case 'boolean':
      return plain('boolean', arg);
    case 'bigint':
      if (arg < -(2n ** 63n) || arg >= 2n ** 63n) throw new TypeError(`${where}: ${arg} does not fit a Java long`);
      return { type: { element: 'long', dimensions: 0 }, value: { $class: 'long', $: arg.toString() } };
    case 'number':
      if (Number.isNaN(arg)) throw new TypeError(`${where}: NaN has no inferred Java type; pass { $class: 'double', $: NaN }`);
      if (!Number.isInteger(arg)) return plain('double', arg);
      return plain(arg >= INT_MIN && arg <= INT_MAX ? 'int' : 'long', arg);
    case 'object':
      if (arg === null) break;
      if (arg instanceof Date) return plain('java.util.Date', arg);
      if (arg instanceof Uint8Array) return { type: { element: 'byte', dimensions: 1 }, value: Buffer.isBuffer(arg) ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength) };
      if (Array.isArray(arg)) return plain('java.util.List', arg);
      if (isPlainObject(arg)) return plain('java.util.Map', arg);
      throw new TypeError(`${where}: a ${arg.constructor?.name ?? 'object'} has no inferred Java type; pass { $class, $ }`);
    default:
      break;
  }
  throw new TypeError(`${where}: ${arg === null ? 'null' : typeof arg} has no inferred Java type; pass { $class: '<java type>', $: ${arg === null ? 'null' : 'value'} }`);
}

function plain(element: string, value: unknown): JavaArg {
  return { type: { element, dimensions: 0 }, value };
}

function isTyped(value: unknown): value is JavaTyped {
  return typeof value === 'object' && value !== null && typeof (value as JavaTyped).$class === 'string' && Object.hasOwn(value, '$');
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
