// The path specifier of a RouteMatch (prefix, path, safe_regex, path_separated_prefix) with
// case_sensitive applied as Envoy does (not to safe_regex): compiled once, matched per request.
import type { PathMatch } from '../model/route.ts';
import type { RequestView } from './request-view.ts';

/**
 * Plain data of one shape for every kind, rather than a closure per route: the matching call
 * site stays monomorphic, and a compiled route can carry these fields itself (one object
 * fewer to load per route tried).
 */
export interface CompiledPathMatch {
  readonly kind: PathMatch['kind'];
  /** The prefix or path, lower-cased unless case-sensitive; "" for safe_regex. */
  readonly value: string;
  readonly caseSensitive: boolean;
  /** Set for safe_regex only. */
  readonly regex: RegExp | undefined;
}

export function compilePathMatch(match: PathMatch, caseSensitive: boolean): CompiledPathMatch {
  if (match.kind === 'safe_regex') return { kind: match.kind, value: '', caseSensitive: true, regex: match.regex };
  return { kind: match.kind, value: caseSensitive ? match.value : match.value.toLowerCase(), caseSensitive, regex: undefined };
}

/**
 * prefix tests the whole :path, query included; path, safe_regex and path_separated_prefix test
 * the path without its query string. safe_regex is a full match (the decoder anchors it).
 */
export function matchPath(match: CompiledPathMatch, request: RequestView): boolean {
  switch (match.kind) {
    case 'prefix':
      return (match.caseSensitive ? request.ctx.path : request.lowerPath).startsWith(match.value);
    case 'path':
      return (match.caseSensitive ? request.pathOnly : request.lowerPathOnly) === match.value;
    case 'safe_regex':
      return match.regex!.test(request.pathOnly);
    case 'path_separated_prefix':
      return isSeparatedPrefix(match.caseSensitive ? request.pathOnly : request.lowerPathOnly, match.value);
  }
}

/** The path equals the prefix or continues it with "/". */
function isSeparatedPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */);
}
