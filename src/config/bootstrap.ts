// The bootstrap: the gRPC xDS bootstrap format unchanged (xds_servers, node, authorities,
// listener name templates), plus Envoy-shaped static_resources. Types and their decoder.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Locality } from '../core/model/endpoint.ts';
import type { JsonObject } from '../core/model/metadata.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import { decodeCallerOverrides } from './decode-caller-overrides.ts';
import { type AdminConfig, decodeAdmin } from './decode-admin.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export interface ChannelCredentials {
  readonly type: string;
  readonly config: JsonObject | undefined;
}

export interface XdsServer {
  readonly serverUri: string;
  readonly channelCreds: readonly ChannelCredentials[];
  readonly serverFeatures: readonly string[];
}

export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: JsonObject;
  readonly locality: Locality;
}

export interface Authority {
  readonly clientListenerResourceNameTemplate: string;
  readonly xdsServers: readonly XdsServer[];
}

export interface Bootstrap {
  readonly xdsServers: readonly XdsServer[];
  readonly node: NodeInfo;
  /** gRPC A27: `%s` is replaced by the call's authority; default `%s`. */
  readonly clientDefaultListenerResourceNameTemplate: string;
  readonly authorities: ReadonlyMap<string, Authority>;
  readonly serverListenerResourceNameTemplate: string | undefined;
  readonly certificateProviders: JsonObject;
  /** The raw static_resources object, decoded into the snapshot by static-resources.ts. */
  readonly staticResources: unknown;
  /** sidelet.caller_overrides: the app's own settings per service it calls. */
  readonly callerOverrides: ReadonlyMap<string, PolicyOverrides>;
  /** Envoy's `admin` block: where `sidelet run` serves its admin pages (its --admin flag wins). */
  readonly admin: AdminConfig | undefined;
}

/** Channel credential types sidelet can open a channel with (gRPC uses the first one it supports). */
export const SUPPORTED_CHANNEL_CREDS = ['insecure', 'tls', 'google_default'] as const;

const STRICT: DecodeOptions = { strict: true };

export function decodeBootstrap(value: unknown): Bootstrap {
  const f = new Fields(value, [], STRICT);
  const xdsServers = f.list('xds_servers', decodeXdsServer);
  const authorities = new Map<string, Authority>();
  for (const entry of f.mapEntries('authorities')) {
    const a = new Fields(entry.value, entry.path, STRICT);
    const template = a.string('client_listener_resource_name_template') ?? `xdstp://${entry.key}/envoy.config.listener.v3.Listener/%s`;
    if (!template.startsWith(`xdstp://${entry.key}/`)) {
      a.fail('client_listener_resource_name_template', `must start with "xdstp://${entry.key}/", got ${JSON.stringify(template)}`);
    }
    authorities.set(entry.key, { clientListenerResourceNameTemplate: template, xdsServers: a.list('xds_servers', decodeXdsServer) });
    a.end();
  }
  const template = f.string('client_default_listener_resource_name_template') ?? '%s';
  if (template.startsWith('xdstp:')) {
    const authority = /^xdstp:\/\/([^/]*)\//.exec(template)?.[1];
    if (authority === undefined || !authorities.has(authority)) {
      f.fail('client_default_listener_resource_name_template', `names authority "${authority ?? ''}", which is not in authorities`);
    }
  }
  const bootstrap: Bootstrap = {
    xdsServers,
    node: decodeNode(f.message('node')),
    clientDefaultListenerResourceNameTemplate: template,
    authorities,
    serverListenerResourceNameTemplate: f.string('server_listener_resource_name_template'),
    certificateProviders: f.struct('certificate_providers') ?? {},
    staticResources: f.raw('static_resources')?.value,
    callerOverrides: callerOverrides(f.message('sidelet')),
    admin: f.has('admin') ? decodeAdmin(f.raw('admin')?.value, f.pathOf('admin'), STRICT) : undefined,
  };
  f.end();
  return bootstrap;
}

/** The `sidelet` section: settings that are the app's own rather than the control plane's. */
function callerOverrides(f: Fields | undefined): ReadonlyMap<string, PolicyOverrides> {
  const raw = f?.raw('caller_overrides');
  const overrides = raw === undefined ? new Map<string, PolicyOverrides>() : decodeCallerOverrides(raw.value, raw.path);
  f?.end();
  return overrides;
}

function decodeXdsServer(value: unknown, path: ConfigPath): XdsServer {
  const f = new Fields(value, path, STRICT);
  const serverUri = f.requiredString('server_uri');
  const channelCreds = f.list('channel_creds', (v, p) => {
    const c = new Fields(v, p, STRICT);
    const creds: ChannelCredentials = { type: c.requiredString('type'), config: c.struct('config') };
    c.end();
    return creds;
  });
  if (channelCreds.length === 0) f.fail('channel_creds', 'required, at least one channel credential');
  if (!channelCreds.some((c) => (SUPPORTED_CHANNEL_CREDS as readonly string[]).includes(c.type))) {
    f.fail('channel_creds', `no supported type among ${channelCreds.map((c) => JSON.stringify(c.type)).join(', ')}; supported: ${SUPPORTED_CHANNEL_CREDS.join(', ')}`);
  }
  const serverFeatures = f.list('server_features', (v, p) => {
    if (typeof v !== 'string') throw new ConfigError(p, 'expected a string');
    return v;
  });
  f.end();
  return { serverUri, channelCreds, serverFeatures };
}

function decodeNode(f: Fields | undefined): NodeInfo {
  if (f === undefined) return { id: '', cluster: '', metadata: {}, locality: { region: '', zone: '', subZone: '' } };
  const l = f.message('locality');
  const node: NodeInfo = {
    id: f.string('id') ?? '',
    cluster: f.string('cluster') ?? '',
    metadata: f.struct('metadata') ?? {},
    locality: { region: l?.string('region') ?? '', zone: l?.string('zone') ?? '', subZone: l?.string('sub_zone') ?? '' },
  };
  l?.end();
  f.end(['user_agent_name', 'user_agent_version', 'client_features', 'UserAgentVersionType']);
  return node;
}
