// Wires the xDS client from a bootstrap: the channel to the first xds_servers entry with its
// first supported credentials, the ADS client, on-demand config into a SnapshotStore, the cache.
import * as grpc from '@grpc/grpc-js';
import type { Bootstrap, XdsServer } from '../config/bootstrap.ts';
import type { Clock } from '../core/clock.ts';
import { ConfigError } from '../core/errors.ts';
import type { SnapshotParts, SnapshotStore } from '../core/model/snapshot-store.ts';
import { AdsClient, type XdsLogger } from './ads-client.ts';
import { grpcAdsTransport } from './ads-transport.ts';
import { configDump, type ResourceDump } from './config-dump.ts';
import { fileLkgCache } from './lkg-cache.ts';
import { XdsConfig } from './xds-config.ts';

export interface StartXdsOptions {
  readonly store: SnapshotStore;
  readonly clock: Clock;
  readonly random: () => number;
  /** Directory of the last-known-good cache; none when absent. */
  readonly cacheDir?: string;
  readonly log?: XdsLogger;
  readonly initialFetchTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** The bootstrap's decoded static_resources, kept under the dynamic resources. */
  readonly base?: SnapshotParts;
}

/** Owned by the thread that called startXds; every method must be called there. */
export interface XdsHandle {
  /** Resolves when the listener for a call is ready in the store (see XdsConfig.ensureListener). */
  ensureListener(name: string): Promise<void>;
  /** Resolves once the control plane is found unreachable (now, or when the current stream fails before it answers). */
  unreachable(): Promise<void>;
  dump(): ResourceDump[];
  close(): void;
}

/** gRPC A27: the first channel_creds entry of a type this client supports. */
export function channelCredentialsFor(server: XdsServer): grpc.ChannelCredentials {
  for (const creds of server.channelCreds) {
    if (creds.type === 'insecure') return grpc.credentials.createInsecure();
    if (creds.type === 'tls') return grpc.credentials.createSsl();
  }
  throw new ConfigError(['xds_servers', 0, 'channel_creds'], `no channel credentials sidelet can open (insecure or tls) for ${server.serverUri}`);
}

export function startXds(bootstrap: Bootstrap, options: StartXdsOptions): XdsHandle {
  const server = bootstrap.xdsServers[0];
  if (server === undefined) throw new ConfigError(['xds_servers'], 'required to start the xDS client');
  const client = new AdsClient({
    transport: grpcAdsTransport(server.serverUri, channelCredentialsFor(server)),
    node: bootstrap.node,
    clock: options.clock,
    random: options.random,
    ...(options.initialFetchTimeoutMs === undefined ? {} : { initialFetchTimeoutMs: options.initialFetchTimeoutMs }),
    ...(options.cacheDir === undefined ? {} : { cache: fileLkgCache(options.cacheDir) }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const config = new XdsConfig({
    client,
    store: options.store,
    clock: options.clock,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.base === undefined ? {} : { base: options.base }),
  });
  client.start();
  return {
    ensureListener: (name) => config.ensureListener(name),
    unreachable: () => client.unreachable(),
    dump: () => configDump(client, options.clock),
    close: () => {
      config.close();
      client.close();
    },
  };
}
