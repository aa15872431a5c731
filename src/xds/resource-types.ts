// The four xDS resource types sidelet subscribes to, each with its type URL, its name field and
// the lead's decoder (grpc-js-xds's XdsResourceType shape). Decoding is not strict (docs/config.md).
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import { decodeCluster } from '../config/decode-cluster.ts';
import { decodeClusterLoadAssignment } from '../config/decode-endpoints.ts';
import { decodeListener } from '../config/decode-listener.ts';
import { decodeRouteConfiguration } from '../config/decode-route-configuration.ts';
import type { DecodeOptions } from '../config/fields.ts';
import { isPlainObject } from '../config/fields.ts';
import type { Cluster } from '../core/model/cluster.ts';
import type { ClusterLoadAssignment } from '../core/model/endpoint.ts';
import type { Listener } from '../core/model/listener.ts';
import type { RouteConfiguration } from '../core/model/route.ts';

const XDS: DecodeOptions = { strict: false };

export interface XdsResourceType<T> {
  readonly typeUrl: string;
  /** The message's short name, as the config dump and NACK details name it. */
  readonly typeName: string;
  /** gRPC A27 / xDS SotW: a subscribed name missing from a response means the resource was removed (LDS, CDS). */
  readonly allResourcesRequired: boolean;
  /** The resource's name as the JSON carries it, read before decoding so a failure can name it. */
  nameOf(json: unknown): string | undefined;
  decode(json: unknown, path: ConfigPath): T;
}

function nameField(field: string, camel: string): (json: unknown) => string | undefined {
  return (json) => {
    if (!isPlainObject(json)) return undefined;
    const name = json[field] ?? json[camel];
    return typeof name === 'string' ? name : undefined;
  };
}

export const LISTENER: XdsResourceType<Listener> = {
  typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  typeName: 'Listener',
  allResourcesRequired: true,
  nameOf: nameField('name', 'name'),
  decode: (json, path) => decodeListener(json, path, XDS),
};

export const ROUTE_CONFIGURATION: XdsResourceType<RouteConfiguration> = {
  typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  typeName: 'RouteConfiguration',
  allResourcesRequired: false,
  nameOf: nameField('name', 'name'),
  decode: (json, path) => decodeRouteConfiguration(json, path, XDS),
};

export const CLUSTER: XdsResourceType<Cluster> = {
  typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  typeName: 'Cluster',
  allResourcesRequired: true,
  nameOf: nameField('name', 'name'),
  decode: (json, path) => decodeCluster(json, path, XDS),
};

export const CLUSTER_LOAD_ASSIGNMENT: XdsResourceType<ClusterLoadAssignment> = {
  typeUrl: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  typeName: 'ClusterLoadAssignment',
  allResourcesRequired: false,
  nameOf: nameField('cluster_name', 'clusterName'),
  decode: (json, path) => decodeClusterLoadAssignment(json, path, XDS),
};

/** In the order a client subscribes and a server should send them (xDS "eventual consistency" order: CDS, EDS, LDS, RDS). */
export const RESOURCE_TYPES: readonly XdsResourceType<unknown>[] = [CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION];

export function resourceTypeOf(typeUrl: string): XdsResourceType<unknown> | undefined {
  return RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl);
}

/** A decoded resource, or the reason it was refused (a ConfigError naming the path). */
export type DecodedResource<T> =
  | { readonly ok: true; readonly name: string; readonly value: T; readonly json: unknown }
  | { readonly ok: false; readonly name: string | undefined; readonly error: string };

export function decodeResource<T>(type: XdsResourceType<T>, json: unknown, index: number): DecodedResource<T> {
  const name = type.nameOf(json);
  try {
    if (name === undefined || name === '') throw new ConfigError(['resources', index], 'the resource has no name');
    return { ok: true, name, value: type.decode(json, ['resources', index]), json };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, name, error: `${type.typeName}${name === undefined ? '' : ` "${name}"`}: ${message}` };
  }
}
