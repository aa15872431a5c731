// Path and host rewrites of a route action: prefix_rewrite, regex_rewrite, host_rewrite_literal
// and host_rewrite_header, as Envoy's RouteEntryImplBase::finalizeRequestHeaders applies them.
import { ConfigError, type ConfigPath } from '../errors.ts';
import type { PathMatch, RouteAction } from '../model/route.ts';
import type { HeaderLookup } from './header-matcher.ts';
import { firstValue, stripQuery } from './request-view.ts';

/** From the request's :path to the rewritten one (query string kept). */
export type PathRewriter = (path: string) => string;

/**
 * Undefined when the action rewrites nothing. prefix_rewrite swaps the matched part for the rewrite: the configured prefix, path or
 * path_separated_prefix, or for safe_regex the whole path without its query. An empty
 * prefix_rewrite is no rewrite (proto3's unset). regex_rewrite replaces every match in the
 * path without its query string (RE2::GlobalReplace) and keeps the query.
 */
export function compilePathRewrite(match: PathMatch, action: RouteAction, where: ConfigPath): PathRewriter | undefined {
  const prefix = action.prefixRewrite;
  if (prefix !== undefined && prefix !== '') {
    if (match.kind === 'safe_regex') return (path) => prefix + path.slice(stripQuery(path).length);
    const matched = match.value.length;
    return (path) => prefix + path.slice(matched);
  }
  if (action.regexRewrite === undefined) return undefined;
  const { regex, substitution } = action.regexRewrite;
  const global = regex.global ? regex : new RegExp(regex.source, `${regex.flags}g`);
  const replace = compileSubstitution(substitution, groupCount(regex), [...where, 'regex_rewrite', 'substitution']);
  return (path) => {
    const just = stripQuery(path);
    return just.replace(global, replace) + path.slice(just.length);
  };
}

type Replacer = (match: string, ...groups: unknown[]) => string;

/**
 * An RE2 rewrite string (`\1`…`\9` a group, `\0` the whole match, `\\` a backslash) as a
 * replacer function. A function rather than a JS `$1` string: no `$` needs escaping and
 * `\1` followed by a digit stays group 1. An unmatched optional group is "" as in RE2.
 */
export function compileSubstitution(substitution: string, groups: number, where: ConfigPath): Replacer {
  const pieces: (string | number)[] = [];
  let text = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i]!;
    if (c !== '\\') {
      text += c;
      continue;
    }
    const next = substitution[++i];
    if (next === '\\') {
      text += '\\';
    } else if (next !== undefined && next >= '0' && next <= '9') {
      const group = Number(next);
      if (group > groups) throw new ConfigError(where, `refers to group \\${group} but the regex has ${groups} group(s)`);
      if (text !== '') pieces.push(text);
      text = '';
      pieces.push(group);
    } else {
      throw new ConfigError(where, `invalid rewrite ${JSON.stringify(substitution)}: "\\" must be followed by a digit or "\\"`);
    }
  }
  if (text !== '') pieces.push(text);
  if (pieces.every((piece) => typeof piece === 'string')) {
    const constant = pieces.join('');
    return () => constant;
  }
  return (match, ...groupValues) => {
    let out = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') out += piece;
      else out += piece === 0 ? match : ((groupValues[piece - 1] as string | undefined) ?? '');
    }
    return out;
  };
}

/** Capture groups in a regex: an alternation with the empty pattern always matches "" and reports them all. */
function groupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`).exec('')!.length - 1;
}

/** From the authority and the request's headers (after mutations) to the upstream authority. */
export type HostRewriter = (authority: string, header: HeaderLookup) => string;

/**
 * Undefined when the action keeps the authority. host_rewrite_literal, else the first value of
 * host_rewrite_header when present and not empty, else the authority unchanged. Envoy reads
 * the header after the header mutations.
 */
export function compileHostRewrite(action: RouteAction): HostRewriter | undefined {
  const literal = action.hostRewriteLiteral;
  if (literal !== undefined && literal !== '') return () => literal;
  const name = action.hostRewriteHeader;
  if (name === undefined || name === '') return undefined;
  return (authority, header) => firstValue(header(name)) ?? authority;
}
