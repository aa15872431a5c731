// config.route.v3.QueryParameterMatcher over the query string of a request's :path.
import type { QueryParameterMatcher } from '../model/matcher.ts';
import { matchString } from './string-matcher.ts';

/**
 * The first value of each parameter, as Envoy's QueryParamsMulti::parseQueryString gives the
 * route matcher: split on "&", then at the first "=" (a bare name has the value ""), with no
 * percent-decoding. The query ends at a "#" fragment.
 */
export function parseQuery(path: string): ReadonlyMap<string, string> {
  const params = new Map<string, string>();
  const start = path.indexOf('?');
  if (start < 0) return params;
  const hash = path.indexOf('#', start);
  const query = path.slice(start + 1, hash < 0 ? path.length : hash);
  if (query === '') return params;
  for (const param of query.split('&')) {
    const equal = param.indexOf('=');
    const name = equal < 0 ? param : param.slice(0, equal);
    if (!params.has(name)) params.set(name, equal < 0 ? '' : param.slice(equal + 1));
  }
  return params;
}

/** A value matcher needs the parameter and a matching first value; otherwise presence must equal `present`. */
export function matchQueryParameter(matcher: QueryParameterMatcher, params: ReadonlyMap<string, string>): boolean {
  const value = params.get(matcher.name);
  if (matcher.matcher === undefined) return (value !== undefined) === matcher.present;
  return value !== undefined && matchString(matcher.matcher, value);
}

export function matchQueryParameters(matchers: readonly QueryParameterMatcher[], params: ReadonlyMap<string, string>): boolean {
  for (const matcher of matchers) if (!matchQueryParameter(matcher, params)) return false;
  return true;
}
