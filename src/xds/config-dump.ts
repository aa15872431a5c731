// The xDS part of a config dump (Envoy's admin /config_dump, client status in gRPC A40's CSDS
// spirit): each watched resource's type, name, version, status, error and last update.
import type { Clock } from '../core/clock.ts';
import type { AdsClient, ResourceStatus } from './ads-client.ts';

export interface ResourceDump {
  readonly type: string;
  readonly name: string;
  /** The version of the value in use ('' while none). */
  readonly version: string;
  readonly status: ResourceStatus;
  /** The NACK or DOES_NOT_EXIST reason. */
  readonly error: string | undefined;
  /** ISO time of the last change of status or value. */
  readonly lastUpdated: string;
}

/** Read on the ADS client's thread. `wallNow` maps the clock's monotonic time to wall time. */
export function configDump(client: AdsClient, clock: Clock, wallNow: () => number = Date.now): ResourceDump[] {
  const offset = wallNow() - clock.now();
  return client.entries().flatMap((t) =>
    t.entries.map((e) => ({
      type: t.typeUrl,
      name: e.name,
      version: e.version,
      status: e.status,
      error: e.error,
      lastUpdated: new Date(offset + e.updatedAt).toISOString(),
    })),
  );
}
