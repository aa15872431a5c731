// A request as the route matchers see it: the route context plus the views of it they need
// (path without query, lower-cased forms, parsed query, pseudo-headers), each derived once, lazily.
import type { HeaderLookup } from './header-matcher.ts';
import { parseQuery } from './query-matcher.ts';
import type { RouteContext } from './router-types.ts';

export class RequestView {
  readonly ctx: RouteContext;
  #header: HeaderLookup | undefined;
  #pathOnly: string | undefined;
  #lowerPath: string | undefined;
  #lowerPathOnly: string | undefined;
  #query: ReadonlyMap<string, string> | undefined;

  constructor(ctx: RouteContext) {
    this.ctx = ctx;
  }

  /** Header lookup that answers the pseudo-headers from the context, as Envoy's matchers see them. */
  get header(): HeaderLookup {
    if (this.#header === undefined) {
      const { ctx } = this;
      this.#header = (name) => (name.charCodeAt(0) === 58 /* : */ ? pseudoHeader(ctx, name) : ctx.headers.get(name));
    }
    return this.#header;
  }

  /** The path without its query string or fragment. */
  get pathOnly(): string {
    if (this.#pathOnly === undefined) this.#pathOnly = stripQuery(this.ctx.path);
    return this.#pathOnly;
  }

  get lowerPath(): string {
    if (this.#lowerPath === undefined) this.#lowerPath = this.ctx.path.toLowerCase();
    return this.#lowerPath;
  }

  get lowerPathOnly(): string {
    if (this.#lowerPathOnly === undefined) this.#lowerPathOnly = this.pathOnly.toLowerCase();
    return this.#lowerPathOnly;
  }

  get query(): ReadonlyMap<string, string> {
    if (this.#query === undefined) this.#query = parseQuery(this.ctx.path);
    return this.#query;
  }
}

function pseudoHeader(ctx: RouteContext, name: string): string | undefined {
  switch (name) {
    case ':authority':
      return ctx.authority;
    case ':path':
      return ctx.path;
    case ':method':
      return ctx.method;
    default:
      return undefined;
  }
}

/** Envoy's PathUtil::removeQueryAndFragment: the path up to the first "?" or "#". */
export function stripQuery(path: string): string {
  const query = path.indexOf('?');
  const fragment = path.indexOf('#');
  const end = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
  return end < 0 ? path : path.slice(0, end);
}

/**
 * The first value of a header whose repeated values arrive joined by ",", as Envoy reads
 * cluster_header and host_rewrite_header (the first header entry only). Empty is missing.
 */
export function firstValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = comma < 0 ? value : value.slice(0, comma);
  return first === '' ? undefined : first;
}
