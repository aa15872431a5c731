// Bootstrap builders for RPC routing in tests: API listeners named by the service (the default
// `%s` name template) or by a dedicated protocol listener, routes with sidelet's idempotent mark
// and backup requests, and STATIC clusters of 127.0.0.1 ports.
import { HCM_TYPE, localCluster } from '../../helpers/bootstrap-builders.ts';

/** Route metadata that allows retries, hedges and backups of RPC calls (docs/xprotocol-relay.md). */
export const IDEMPOTENT = { filter_metadata: { sidelet: { idempotent: true } } } as const;

/** An API listener with an inline route configuration of `virtualHosts`. */
export function rpcListener(name: string, virtualHosts: readonly object[]): object {
  return { name, api_listener: { api_listener: { '@type': HCM_TYPE, route_config: { name, virtual_hosts: virtualHosts } } } };
}

/** A listener named by `service`, whose one virtual host serves that service. */
export function serviceListener(service: string, routes: readonly object[]): object {
  return rpcListener(service, [{ name: service, domains: [service], routes }]);
}

export function rpcBootstrap(listeners: readonly object[], clusters: readonly object[]): object {
  return { static_resources: { listeners, clusters } };
}

export function rpcCluster(name: string, ports: readonly number[], extra: object = {}): object {
  return localCluster(name, ports, { connect_timeout: '1s', ...extra });
}

/** sidelet.filters.http.backup_request with a static delay. */
export function staticBackup(delay: string): Record<string, object> {
  return { 'sidelet.filters.http.backup_request': { '@type': 'type.googleapis.com/sidelet.filters.http.backup_request.v1.BackupRequestPolicy', static: { delay } } };
}
