// Envoy core.v3.Metadata: filter_metadata keyed by filter name (e.g. `envoy.lb`), each a JSON struct.
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export type Metadata = { readonly [filter: string]: JsonObject };

export const EMPTY_METADATA: Metadata = Object.freeze({});

/** The metadata namespace Envoy's subset load balancer and route metadata_match use. */
export const LB_METADATA_FILTER = 'envoy.lb';
