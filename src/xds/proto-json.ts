// Turns a decoded protobuf message into its proto3-JSON form (proto field names), the form the
// config decoders read: enums by name, 64-bit integers as strings, Durations as "1.5s", wrappers
// bare, Struct as plain JSON, and Any expanded to {"@type": url, ...fields} (proto3 JSON mapping).
import protobuf from 'protobufjs';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((w) => `.google.protobuf.${w}Value`),
);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Decodes an Any's payload with `root`. A type the subset does not hold keeps only its "@type". */
export function anyToJson(root: protobuf.Root, typeUrl: string, value: Uint8Array): { [key: string]: Json } {
  const type = lookupType(root, typeUrl);
  if (type === undefined) return { '@type': typeUrl };
  return { '@type': typeUrl, ...messageToJson(type, type.decode(value)) };
}

/** The protobufjs Type for a type URL (`type.googleapis.com/pkg.Msg`), if the root holds it. */
export function lookupType(root: protobuf.Root, typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const found = root.lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}

export function messageToJson(type: protobuf.Type, message: protobuf.Message): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  const record = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(record, field.name)) continue;
    const value = record[field.name];
    if (value === null || value === undefined) continue;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, fieldValue(field, v)]));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length > 0) out[field.name] = items.map((v) => fieldValue(field, v));
    } else {
      out[field.name] = fieldValue(field, value);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, value: unknown): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? (value as number);
  if (resolved instanceof protobuf.Type) return wellKnown(resolved, value as protobuf.Message);
  return scalar(field.type, value);
}

function scalar(type: string, value: unknown): Json {
  if (LONG_TYPES.has(type)) return String(value);
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value as Json;
}

function wellKnown(type: protobuf.Type, message: protobuf.Message): Json {
  const record = message as unknown as Record<string, unknown>;
  switch (type.fullName) {
    case '.google.protobuf.Any':
      return anyToJson(type.root as protobuf.Root, String(record.type_url ?? ''), (record.value as Uint8Array | undefined) ?? new Uint8Array());
    case '.google.protobuf.Struct':
      return structToJson(record);
    case '.google.protobuf.Value':
      return valueToJson(record);
    case '.google.protobuf.ListValue':
      return listToJson(record);
    case '.google.protobuf.Duration':
      return durationToJson(record);
    default:
      if (WRAPPERS.has(type.fullName)) return scalar(type.fields.value!.type, record.value ?? type.fields.value!.defaultValue);
      return messageToJson(type, message);
  }
}

function structToJson(record: Record<string, unknown>): { [key: string]: Json } {
  const fields = (record.fields ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

function listToJson(record: Record<string, unknown>): Json[] {
  return ((record.values ?? []) as Record<string, unknown>[]).map(valueToJson);
}

/** google.protobuf.Value: the kind that is set (an unset kind reads as null). protobufjs's bundled struct.proto uses JSON names. */
function valueToJson(v: Record<string, unknown>): Json {
  if (v.structValue != null) return structToJson(v.structValue as Record<string, unknown>);
  if (v.listValue != null) return listToJson(v.listValue as Record<string, unknown>);
  if (Object.hasOwn(v, 'stringValue')) return v.stringValue as string;
  if (Object.hasOwn(v, 'numberValue')) return v.numberValue as number;
  if (Object.hasOwn(v, 'boolValue')) return v.boolValue as boolean;
  return null;
}

/** "1.500s": seconds and nanos as proto3 JSON writes a Duration. */
function durationToJson(record: Record<string, unknown>): string {
  const seconds = BigInt(String(record.seconds ?? 0));
  const nanos = Number(record.nanos ?? 0);
  if (nanos === 0) return `${seconds}s`;
  const negative = seconds < 0n || nanos < 0;
  const abs = (n: bigint): bigint => (n < 0n ? -n : n);
  return `${negative ? '-' : ''}${abs(seconds)}.${String(Math.abs(nanos)).padStart(9, '0')}s`;
}
