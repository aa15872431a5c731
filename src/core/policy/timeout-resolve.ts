// The timeouts in force for one request, from four layers in sidelet's precedence: per-call
// option > the caller's local override (createMesh options) > provider (route config) >
// defaults; plus Envoy's max_stream_duration and grpc-timeout rules. Pure; any thread.
import type { MaxStreamDurationConfig } from '../model/policy-retry.ts';
import { parseGrpcTimeout } from './timeout-grpc.ts';

/**
 * One layer's settings, in ms. An absent field defers to the next layer; 0 disables that
 * timeout (and stops the lookup: a per-call 0 means "no timeout", not "use the route's").
 */
export interface TimeoutSettings {
  /** Over all attempts, back-offs included (RouteAction.timeout). */
  readonly timeoutMs?: number;
  /** Each attempt (RetryPolicy.per_try_timeout). */
  readonly perTryTimeoutMs?: number;
  /** Each attempt without progress (RetryPolicy.per_try_idle_timeout). */
  readonly perTryIdleTimeoutMs?: number;
  /** The request's stream without progress (RouteAction.idle_timeout). */
  readonly idleTimeoutMs?: number;
}

export interface TimeoutLayers {
  readonly call?: TimeoutSettings;
  readonly caller?: TimeoutSettings;
  /** From the route: timeout, idle_timeout and the retry policy's per-try timeouts. */
  readonly provider?: TimeoutSettings;
  /** The route's max_stream_duration. */
  readonly maxStreamDuration?: MaxStreamDurationConfig;
}

/** Envoy's RouteAction.timeout default. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
/** Envoy's HttpConnectionManager.stream_idle_timeout default, which a route's idle_timeout overrides. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

export type TimeoutSource = 'call' | 'caller' | 'provider' | 'default';

/** Effective values in ms; undefined means no such timeout; a total of 0 means already expired. */
export interface EffectiveTimeouts {
  readonly totalMs: number | undefined;
  /**
   * Where totalMs came from; `grpc-timeout` and `max-stream-duration` when the stream limit is the
   * tighter one, `rpc-timeout` when an RPC frame's own timeout is (core/call/rpc-call.ts).
   */
  readonly totalSource: TimeoutSource | 'grpc-timeout' | 'max-stream-duration' | 'rpc-timeout';
  readonly perTryMs: number | undefined;
  readonly perTryIdleMs: number | undefined;
  readonly idleMs: number | undefined;
}

/**
 * Resolves each timeout through the layers, then bounds the total by the stream duration
 * limit: with max_stream_duration.grpc_timeout_header_max set and a gRPC request carrying
 * grpc-timeout, the header's value capped by that max (0: uncapped) minus
 * grpc_timeout_header_offset; otherwise max_stream_duration itself. The limit is the calling
 * client's own deadline or the provider's ceiling, so per-call and caller overrides of the
 * route timeout do not lift it. `grpcTimeoutHeader`: the request's grpc-timeout, passed for
 * gRPC requests only.
 */
export function resolveTimeouts(layers: TimeoutLayers, grpcTimeoutHeader?: string): EffectiveTimeouts {
  const routeSource = sourceOf(layers, 'timeoutMs');
  const route = valueIn(layers, routeSource, 'timeoutMs', DEFAULT_ROUTE_TIMEOUT_MS);
  const stream = streamLimit(layers.maxStreamDuration, grpcTimeoutHeader);
  const useStream = stream !== undefined && (route === undefined || stream.ms < route);
  return {
    totalMs: useStream ? stream.ms : route,
    totalSource: useStream ? stream.source : routeSource,
    perTryMs: valueIn(layers, sourceOf(layers, 'perTryTimeoutMs'), 'perTryTimeoutMs', 0),
    perTryIdleMs: valueIn(layers, sourceOf(layers, 'perTryIdleTimeoutMs'), 'perTryIdleTimeoutMs', 0),
    idleMs: valueIn(layers, sourceOf(layers, 'idleTimeoutMs'), 'idleTimeoutMs', DEFAULT_IDLE_TIMEOUT_MS),
  };
}

/** The first layer that sets `field`, else the default. */
function sourceOf(layers: TimeoutLayers, field: keyof TimeoutSettings): TimeoutSource {
  if (layers.call?.[field] !== undefined) return 'call';
  if (layers.caller?.[field] !== undefined) return 'caller';
  if (layers.provider?.[field] !== undefined) return 'provider';
  return 'default';
}

/** `field` of that layer (`fallback` for the default); 0 or less means no such timeout. */
function valueIn(layers: TimeoutLayers, source: TimeoutSource, field: keyof TimeoutSettings, fallback: number): number | undefined {
  const value = source === 'default' ? fallback : layers[source]![field]!;
  return value > 0 ? value : undefined;
}

function streamLimit(
  config: MaxStreamDurationConfig | undefined,
  grpcTimeoutHeader: string | undefined,
): { ms: number; source: 'grpc-timeout' | 'max-stream-duration' } | undefined {
  if (config === undefined) return undefined;
  const header = config.grpcTimeoutHeaderMaxMs === undefined ? undefined : parseGrpcTimeout(grpcTimeoutHeader);
  if (header !== undefined) {
    const max = config.grpcTimeoutHeaderMaxMs!;
    const capped = max > 0 ? Math.min(header, max) : header;
    // Envoy: a result of zero or less times the stream out at once.
    return { ms: Math.max(0, capped - (config.grpcTimeoutHeaderOffsetMs ?? 0)), source: 'grpc-timeout' };
  }
  const ms = config.maxStreamDurationMs;
  return ms !== undefined && ms > 0 ? { ms, source: 'max-stream-duration' } : undefined;
}
