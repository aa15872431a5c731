// Reads a config.core.v3.DataSource to text when the config is decoded, as Envoy does: a file
// (a relative name is relative to the working directory), inline_string, inline_bytes (base64 in
// proto3 JSON) or an environment variable. A file that cannot be read is a ConfigError naming it.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.ts';
import type { Fields } from './fields.ts';

const KINDS = ['filename', 'inline_string', 'inline_bytes', 'environment_variable'] as const;
/** Standard or URL-safe base64, padding optional (proto3 JSON accepts both). */
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** The DataSource field `name` of `f` as text; undefined when the field is absent. */
export function readDataSource(f: Fields, name: string): string | undefined {
  const source = f.message(name);
  if (source === undefined) return undefined;
  const kind = source.oneof(KINDS, 'data source') as (typeof KINDS)[number] | undefined;
  if (kind === undefined) throw new ConfigError(source.path, `one of ${KINDS.join(', ')} is required`);
  const text = readKind(source, kind);
  source.end(['watched_directory']);
  return text;
}

function readKind(source: Fields, kind: (typeof KINDS)[number]): string {
  switch (kind) {
    case 'filename': {
      const file = source.requiredString(kind);
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        return source.fail(kind, `cannot read the file ${JSON.stringify(file)}: ${(error as Error).message}`);
      }
    }
    case 'inline_string':
      return source.string(kind) ?? '';
    case 'inline_bytes': {
      const base64 = source.string(kind) ?? '';
      if (!BASE64.test(base64)) source.fail(kind, 'expected base64 (proto3 JSON bytes); use inline_string for text');
      return Buffer.from(base64, 'base64').toString('utf8');
    }
    case 'environment_variable': {
      const variable = source.requiredString(kind);
      const value = process.env[variable];
      if (value === undefined) source.fail(kind, `the environment variable ${variable} is not set`);
      return value;
    }
  }
}
