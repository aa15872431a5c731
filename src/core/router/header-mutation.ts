// request_headers_to_remove and request_headers_to_add of the weighted cluster, route, virtual
// host and route configuration levels, applied to a request's headers in Envoy's order.
import type { HeaderMutations, HeaderValueOption } from '../model/route.ts';

/**
 * The levels in the order they apply, empty ones dropped. Envoy's default, from its docs
 * (configuration/http/http_conn_man/headers, "Custom request/response headers"): "Headers are
 * appended to requests/responses in the following order: weighted cluster level headers, route
 * level headers, virtual host level headers and finally global level headers." A later level
 * sees the earlier ones' result, so a route configuration's OVERWRITE wins over a route's.
 * most_specific_header_mutations_wins (which reverses route, virtual host and global) is not
 * carried by the model, so its default, false, applies.
 */
export function mutationOrder(
  weightedCluster: HeaderMutations | undefined,
  route: HeaderMutations,
  virtualHost: HeaderMutations,
  routeConfiguration: HeaderMutations,
): readonly HeaderMutations[] {
  const levels = weightedCluster === undefined ? [route, virtualHost, routeConfiguration] : [weightedCluster, route, virtualHost, routeConfiguration];
  return levels.filter((level) => level.add.length > 0 || level.remove.length > 0);
}

/**
 * Applies the levels in order; within a level removals come before additions, as Envoy's
 * HeaderParser::evaluateHeaders does. Returns the input map itself when there is nothing to apply.
 */
export function applyHeaderMutations(headers: ReadonlyMap<string, string>, levels: readonly HeaderMutations[]): ReadonlyMap<string, string> {
  if (levels.length === 0) return headers;
  const out = new Map(headers);
  for (const level of levels) {
    for (const name of level.remove) out.delete(name);
    for (const option of level.add) addHeader(out, option);
  }
  return out;
}

/**
 * One HeaderValueOption. A value appended to an existing header joins it with ",", the form
 * repeated headers take here. An empty value is skipped: keep_empty_value defaults to false
 * and the model does not carry it.
 */
function addHeader(headers: Map<string, string>, { key, value, appendAction }: HeaderValueOption): void {
  if (value === '') return;
  const existing = headers.get(key);
  switch (appendAction) {
    case 'APPEND_IF_EXISTS_OR_ADD':
      headers.set(key, existing === undefined ? value : `${existing},${value}`);
      break;
    case 'ADD_IF_ABSENT':
      if (existing === undefined) headers.set(key, value);
      break;
    case 'OVERWRITE_IF_EXISTS_OR_ADD':
      headers.set(key, value);
      break;
    case 'OVERWRITE_IF_EXISTS':
      if (existing !== undefined) headers.set(key, value);
      break;
  }
}
