// Reads one proto3-JSON message with path-aware errors: fields by their proto name or its
// lowerCamelCase JSON name, typed getters, and (in strict mode) a refusal of unknown fields.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { JsonObject } from '../core/model/metadata.ts';

export interface DecodeOptions {
  /** Unknown fields are errors. True for hand-written config; false for resources decoded from protobuf. */
  readonly strict: boolean;
}

export function camelCase(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Fields {
  readonly path: ConfigPath;
  readonly options: DecodeOptions;
  readonly #value: Record<string, unknown>;
  readonly #used = new Set<string>();

  constructor(value: unknown, path: ConfigPath, options: DecodeOptions) {
    if (!isPlainObject(value)) throw new ConfigError(path, `expected an object, got ${describe(value)}`);
    this.#value = value;
    this.path = path;
    this.options = options;
  }

  /** The key as written (proto name or JSON name), or undefined when the field is absent or null. */
  key(name: string): string | undefined {
    const json = camelCase(name);
    const hasProto = this.#value[name] !== undefined && this.#value[name] !== null;
    const hasJson = json !== name && this.#value[json] !== undefined && this.#value[json] !== null;
    this.#used.add(name).add(json);
    if (hasProto && hasJson) throw new ConfigError(this.path, `both "${name}" and "${json}" are set; they are the same field`);
    return hasProto ? name : hasJson ? json : undefined;
  }

  has(name: string): boolean {
    return this.key(name) !== undefined;
  }

  raw(name: string): { value: unknown; path: ConfigPath } | undefined {
    const key = this.key(name);
    return key === undefined ? undefined : { value: this.#value[key], path: [...this.path, key] };
  }

  pathOf(name: string): ConfigPath {
    return [...this.path, this.key(name) ?? name];
  }

  fail(name: string, reason: string): never {
    throw new ConfigError(this.pathOf(name), reason);
  }

  string(name: string): string | undefined {
    const f = this.raw(name);
    if (f === undefined) return undefined;
    if (typeof f.value !== 'string') throw new ConfigError(f.path, `expected a string, got ${describe(f.value)}`);
    return f.value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new ConfigError(this.pathOf(name), 'required, must be a non-empty string');
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const f = this.raw(name);
    if (f === undefined) return fallback;
    const value = unwrap(f.value);
    if (typeof value !== 'boolean') throw new ConfigError(f.path, `expected true or false, got ${describe(value)}`);
    return value;
  }

  /** A number field, or a wrapper ({"value": n}); 64-bit integers may be strings in proto3 JSON. */
  number(name: string, rule: NumberRule = {}): number | undefined {
    const f = this.raw(name);
    if (f === undefined) return undefined;
    return checkNumber(unwrap(f.value), f.path, rule);
  }

  enumOf<const T extends string>(name: string, values: readonly T[], fallback: T): T {
    const f = this.raw(name);
    if (f === undefined) return fallback;
    if (typeof f.value === 'number' && Number.isInteger(f.value) && f.value >= 0 && f.value < values.length) {
      return values[f.value]!;
    }
    if (typeof f.value !== 'string') throw new ConfigError(f.path, `expected one of ${values.join(', ')}, got ${describe(f.value)}`);
    if (!(values as readonly string[]).includes(f.value)) {
      throw new ConfigError(f.path, `unknown value ${JSON.stringify(f.value)}; expected one of ${values.join(', ')}`);
    }
    return f.value as T;
  }

  message(name: string): Fields | undefined {
    const f = this.raw(name);
    return f === undefined ? undefined : new Fields(f.value, f.path, this.options);
  }

  requiredMessage(name: string, reason = 'required'): Fields {
    const m = this.message(name);
    if (m === undefined) throw new ConfigError(this.pathOf(name), reason);
    return m;
  }

  list<T>(name: string, decode: (item: unknown, path: ConfigPath) => T): T[] {
    const f = this.raw(name);
    if (f === undefined) return [];
    if (!Array.isArray(f.value)) throw new ConfigError(f.path, `expected a list, got ${describe(f.value)}`);
    return f.value.map((item, i) => decode(item, [...f.path, i]));
  }

  /** A google.protobuf.Struct (or any JSON object) kept as it is. */
  struct(name: string): JsonObject | undefined {
    const f = this.raw(name);
    if (f === undefined) return undefined;
    if (!isPlainObject(f.value)) throw new ConfigError(f.path, `expected an object, got ${describe(f.value)}`);
    return f.value as JsonObject;
  }

  requiredNumber(name: string, rule: NumberRule = {}): number {
    const n = this.number(name, rule);
    if (n === undefined) throw new ConfigError(this.pathOf(name), 'required');
    return n;
  }

  /** A proto map field (a JSON object keyed by arbitrary strings): each entry with its path. */
  mapEntries(name: string): { key: string; value: unknown; path: ConfigPath }[] {
    const f = this.raw(name);
    if (f === undefined) return [];
    if (!isPlainObject(f.value)) throw new ConfigError(f.path, `expected an object, got ${describe(f.value)}`);
    return Object.entries(f.value).map(([key, value]) => ({ key, value, path: [...f.path, key] }));
  }

  /** A list of objects kept as they are (decoded later by the layer that uses them). */
  structList(name: string): JsonObject[] {
    return this.list(name, (item, path) => {
      if (!isPlainObject(item)) throw new ConfigError(path, `expected an object, got ${describe(item)}`);
      return item as JsonObject;
    });
  }

  /** The one field of a oneof that is set; two set is an error, none gives undefined. */
  oneof(names: readonly string[], what: string): string | undefined {
    const set = names.filter((n) => this.has(n));
    if (set.length > 1) throw new ConfigError(this.path, `only one ${what} may be set, found ${set.join(' and ')}`);
    return set[0];
  }

  /**
   * In strict mode, refuses any field the decoder neither read nor listed as accepted-but-unused.
   * A null value is proto3 JSON's "default" and never counts as unknown.
   */
  end(accepted: readonly string[] = []): void {
    if (!this.options.strict) return;
    for (const name of accepted) this.#used.add(name).add(camelCase(name));
    for (const [key, value] of Object.entries(this.#value)) {
      if (value !== null && !this.#used.has(key)) throw new ConfigError([...this.path, key], 'unknown field');
    }
  }
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

function unwrap(value: unknown): unknown {
  return isPlainObject(value) && Object.keys(value).length === 1 && 'value' in value ? value.value : value;
}

export function checkNumber(value: unknown, path: ConfigPath, rule: NumberRule): number {
  const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(path, `expected a number, got ${describe(value)}`);
  if (rule.integer && !Number.isInteger(n)) throw new ConfigError(path, `expected an integer, got ${n}`);
  if (rule.min !== undefined && n < rule.min) throw new ConfigError(path, `must be at least ${rule.min}, got ${n}`);
  if (rule.max !== undefined && n > rule.max) throw new ConfigError(path, `must be at most ${rule.max}, got ${n}`);
  return n;
}

/** Decodes a message field with `decode` when it is set. */
export function optional<T>(f: Fields, name: string, decode: (value: unknown, path: ConfigPath, options: DecodeOptions) => T): T | undefined {
  const field = f.raw(name);
  return field === undefined ? undefined : decode(field.value, field.path, f.options);
}
