// The router's public surface: compile a route configuration once, route each request against it.
export { compileRouteTable, type RouteTable, route } from './router.ts';
export type { DirectResponseDecision, ForwardDecision, NoRouteDecision, NoRouteReason, RouteContext, RouteDecision } from './router-types.ts';
