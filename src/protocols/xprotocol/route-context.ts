// A request frame as the router sees it, shaped like a gRPC call: the service is the authority
// (SOFA Mesh's "interface as the domain name"), `/service/method` the path, and every routing
// meta a header, so Envoy route configuration (domains, prefixes, header matchers) applies as is.
import type { RouteContext } from '../../core/router/router-types.ts';
import type { XFrame } from './frame.ts';

/** The `:method` of every x-protocol call, as for gRPC. */
export const RPC_METHOD = 'POST';

export function serviceName(frame: XFrame): string {
  return frame.headers.get('service') ?? '';
}

export function methodName(frame: XFrame): string {
  return frame.headers.get('method') ?? '';
}

export function frameRouteContext(frame: XFrame, random: () => number): RouteContext {
  const service = serviceName(frame);
  return { authority: service, path: `/${service}/${methodName(frame)}`, method: RPC_METHOD, headers: frame.headers, random };
}
