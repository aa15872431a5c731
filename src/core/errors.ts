// Typed errors with stable codes, shared by every layer. Callers branch on `code`, never on message text.

export type SideletErrorCode = 'SIDELET_CONFIG_INVALID';

export class SideletError extends Error {
  readonly code: SideletErrorCode;
  constructor(code: SideletErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SideletError';
    this.code = code;
  }
}

/** A path into a config document: object keys as written, array indexes as numbers. */
export type ConfigPath = readonly (string | number)[];

export function formatConfigPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Bad configuration. The message names the source (file, or "bootstrap object"), where
 * known the line, the path and the reason:
 * `mesh.yaml:12:7: static_resources.clusters[2].lb_policy: unknown value "ROUND_ROBBIN"`.
 */
export class ConfigError extends SideletError {
  readonly source: string | undefined;
  readonly path: ConfigPath;
  readonly reason: string;
  constructor(path: ConfigPath, reason: string, source?: string, line?: { line: number; col: number }) {
    const where = source === undefined ? '' : line === undefined ? `${source}: ` : `${source}:${line.line}:${line.col}: `;
    super('SIDELET_CONFIG_INVALID', `${where}${formatConfigPath(path)}: ${reason}`);
    this.name = 'ConfigError';
    this.source = source;
    this.path = path;
    this.reason = reason;
  }

  /** The same error, placed in a source (a file name) and a line. */
  withSource(source: string, line?: { line: number; col: number }): ConfigError {
    return new ConfigError(this.path, this.reason, source, line);
  }
}
