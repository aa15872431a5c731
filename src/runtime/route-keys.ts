// Names every route of a snapshot by its place in the config (route configuration, virtual host
// index, route index), so threads holding their own copies of one snapshot agree on which route
// a process-wide limiter belongs to.
import type { RouteConfiguration, Route } from '../core/model/route.ts';
import type { Snapshot } from '../core/model/snapshot.ts';

export function routeKeys(snapshot: Snapshot): WeakMap<Route, string> {
  const keys = new WeakMap<Route, string>();
  const add = (prefix: string, config: RouteConfiguration) =>
    config.virtualHosts.forEach((host, h) => host.routes.forEach((route, r) => keys.set(route, `${prefix}/${h}/${r}`)));
  for (const [name, config] of snapshot.routeConfigurations) add(`rds:${name}`, config);
  for (const [name, listener] of snapshot.listeners) if (listener.routeSource.kind === 'inline') add(`listener:${name}`, listener.routeSource.routeConfig);
  return keys;
}
