// The bootstrap's node as the envoy.config.core.v3.Node of a stream's first DiscoveryRequest
// (proto field names; metadata as a google.protobuf.Struct in protobufjs's object form).
import type { NodeInfo } from '../config/bootstrap.ts';

/** The bootstrap's node as a core.v3.Node (proto field names; metadata as a Struct via fromObject). */
export function nodeMessage(node: NodeInfo): Record<string, unknown> {
  return {
    id: node.id,
    cluster: node.cluster,
    metadata: toStruct(node.metadata),
    locality: { region: node.locality.region, zone: node.locality.zone, sub_zone: node.locality.subZone },
    user_agent_name: 'sidelet',
  };
}

function toStruct(value: Readonly<Record<string, unknown>>): { fields: Record<string, unknown> } {
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValue(v)])) };
}

function toValue(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
