// Typed errors with stable codes, shared by every layer. Callers branch on `code`, never on message text.

export type SideletErrorCode = 'SIDELET_CONFIG_INVALID' | MeshFailureCode;

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

/**
 * Why the mesh failed a call, each with the HTTP status and Envoy response flag the mesh
 * answers with when failures are returned as responses (Envoy access-log response flags).
 */
export const MESH_FAILURES = {
  SIDELET_NO_ROUTE: { status: 404, flag: 'NR', retriable: false },
  SIDELET_NO_HEALTHY_UPSTREAM: { status: 503, flag: 'UH', retriable: true },
  SIDELET_UPSTREAM_OVERFLOW: { status: 503, flag: 'UO', retriable: true },
  SIDELET_BREAKER_OPEN: { status: 503, flag: 'UO', retriable: true },
  SIDELET_RATE_LIMITED: { status: 429, flag: 'RL', retriable: true },
  SIDELET_QUEUE_TIMEOUT: { status: 429, flag: 'RL', retriable: true },
  SIDELET_OVERLOADED: { status: 503, flag: 'LR', retriable: true },
  SIDELET_TIMEOUT: { status: 504, flag: 'UT', retriable: true },
  SIDELET_CONNECT_FAILURE: { status: 503, flag: 'UF', retriable: true },
  SIDELET_UPSTREAM_RESET: { status: 503, flag: 'UR', retriable: true },
  SIDELET_FAULT_ABORT: { status: 503, flag: 'FI', retriable: false },
  /** The runtime itself failed the call (a worker thread died while serving it); safe to retry. */
  SIDELET_RUNTIME_FAILURE: { status: 503, flag: 'LR', retriable: true },
} as const;

export type MeshFailureCode = keyof typeof MESH_FAILURES;

/** A call the mesh failed on purpose or could not complete; `code` is stable, `detail` is for people. */
export class MeshError extends SideletError {
  declare readonly code: MeshFailureCode;
  readonly status: number;
  readonly responseFlag: string;
  readonly retriable: boolean;
  constructor(code: MeshFailureCode, detail: string, options?: ErrorOptions) {
    super(code, detail, options);
    this.name = 'MeshError';
    const failure = MESH_FAILURES[code];
    this.status = failure.status;
    this.responseFlag = failure.flag;
    this.retriable = failure.retriable;
  }
}
