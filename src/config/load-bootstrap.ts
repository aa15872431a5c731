// Loads a bootstrap from a file (YAML or JSON), an object, or the environment
// (SIDELET_BOOTSTRAP, else GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG), decodes and
// validates it whole, and returns it with its frozen static snapshot parts.
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import { deepFreeze } from '../core/model/freeze.ts';
import type { SnapshotParts } from '../core/model/snapshot-store.ts';
import { type Bootstrap, decodeBootstrap } from './bootstrap.ts';
import { decodeStaticResources } from './static-resources.ts';

export interface LoadedBootstrap {
  readonly bootstrap: Bootstrap;
  readonly staticResources: SnapshotParts;
  /** Where it came from: a file path, an environment variable, or "bootstrap object". */
  readonly source: string;
}

export type BootstrapInput = string | object | undefined;

/** A string is a file path; an object is the bootstrap itself; undefined reads the environment. */
export async function loadBootstrap(input: BootstrapInput, env: NodeJS.ProcessEnv = process.env): Promise<LoadedBootstrap> {
  if (typeof input === 'object') return decodeWhole(structuredClone(input), 'bootstrap object', undefined);
  if (typeof input === 'string') return loadFile(input);
  const path = env.SIDELET_BOOTSTRAP || env.GRPC_XDS_BOOTSTRAP;
  if (path) return loadFile(path);
  const inline = env.GRPC_XDS_BOOTSTRAP_CONFIG;
  if (inline) return parseText(inline, 'GRPC_XDS_BOOTSTRAP_CONFIG');
  throw new ConfigError([], 'no bootstrap given: pass one to createMesh, or set SIDELET_BOOTSTRAP, GRPC_XDS_BOOTSTRAP or GRPC_XDS_BOOTSTRAP_CONFIG');
}

async function loadFile(path: string): Promise<LoadedBootstrap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([], `cannot read the bootstrap file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  return parseText(text, path);
}

/** Parses YAML (JSON is a subset of it) and decodes it; errors carry the source and line. */
export function parseText(text: string, source: string): LoadedBootstrap {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const pos = lines.linePos(syntax.pos[0]);
    throw new ConfigError([], `not valid YAML or JSON: ${syntax.message.split('\n')[0]}`, source, pos);
  }
  return decodeWhole(doc.toJS({ maxAliasCount: 100 }) as unknown, source, (path) => locate(doc, lines, path));
}

function decodeWhole(value: unknown, source: string, lineOf: ((path: ConfigPath) => { line: number; col: number } | undefined) | undefined): LoadedBootstrap {
  try {
    const bootstrap = decodeBootstrap(value ?? {});
    const dynamic = bootstrap.xdsServers.length > 0 || bootstrap.authorities.size > 0;
    const staticResources = decodeStaticResources(bootstrap.staticResources, dynamic);
    return deepFreeze({ bootstrap, staticResources, source });
  } catch (error) {
    if (error instanceof ConfigError) throw error.withSource(source, lineOf?.(error.path));
    throw error;
  }
}

/** The line and column of the deepest node of the path that exists in the document. */
function locate(doc: Document, lines: LineCounter, path: ConfigPath): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (pair === undefined) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset);
}
