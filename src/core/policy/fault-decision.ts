// Decides which faults a request gets (Envoy's HTTP fault filter, extensions.filters.http.fault.v3
// HTTPFault): a delay, an abort, both or none, from the config, the request's headers and a random source.
import { FAULT_HEADERS, type FaultAbortConfig, type FaultDelayConfig, type FractionalPercent, type HttpFaultConfig } from '../model/policy-fault.ts';
import { matchHeaders } from '../router/header-matcher.ts';

export type FaultAbort = { readonly status: number } | { readonly grpcStatus: number };

/** The faults to inject: delay first, then abort (Envoy aborts, if at all, once the delay is over). */
export interface FaultDecision {
  readonly delayMs?: number;
  readonly abort?: FaultAbort;
}

export const NO_FAULT: FaultDecision = Object.freeze({});

/**
 * Pure: the same config, headers and random draws give the same decision. `headers` are the
 * request's, lower-cased; `upstreamCluster` is the cluster the route picked. The caller counts
 * active faults (ActiveFaults) and drops a decision when max_active_faults is reached.
 */
export function decideFault(config: HttpFaultConfig, headers: ReadonlyMap<string, string>, random: () => number, upstreamCluster?: string): FaultDecision {
  if (config.upstreamCluster !== undefined && config.upstreamCluster !== upstreamCluster) return NO_FAULT;
  if (config.downstreamNodes.length > 0) {
    const node = headers.get(FAULT_HEADERS.downstreamNode);
    if (node === undefined || !config.downstreamNodes.includes(node)) return NO_FAULT;
  }
  if (config.headers.length > 0 && !matchHeaders(config.headers, (name) => headers.get(name))) return NO_FAULT;
  const delayMs = config.delay === undefined ? undefined : decideDelay(config.delay, headers, random);
  const abort = config.abort === undefined ? undefined : decideAbort(config.abort, headers, random);
  if (delayMs === undefined && abort === undefined) return NO_FAULT;
  if (abort === undefined) return { delayMs };
  return delayMs === undefined ? { abort } : { delayMs, abort };
}

function decideDelay(delay: FaultDelayConfig, headers: ReadonlyMap<string, string>, random: () => number): number | undefined {
  let ms: number | undefined;
  let percentage = delay.percentage;
  if (delay.source.kind === 'fixed') ms = delay.source.ms;
  else {
    ms = parseUint(headers.get(FAULT_HEADERS.delay));
    percentage = headerPercentage(delay.percentage, headers.get(FAULT_HEADERS.delayPercentage));
  }
  // Envoy injects no delay of zero (or an unparsable header), and draws only for a real one.
  if (ms === undefined || ms <= 0 || !drawn(percentage, random)) return undefined;
  return ms;
}

function decideAbort(abort: FaultAbortConfig, headers: ReadonlyMap<string, string>, random: () => number): FaultAbort | undefined {
  let result: FaultAbort | undefined;
  let percentage = abort.percentage;
  const source = abort.source;
  if (source.kind === 'http') result = { status: source.status };
  else if (source.kind === 'grpc') result = { grpcStatus: source.grpcStatus };
  else {
    // Envoy's header abort: a gRPC status header wins over an HTTP one; an HTTP status outside [200, 600) is ignored.
    const grpcStatus = parseUint(headers.get(FAULT_HEADERS.abortGrpc));
    const status = parseUint(headers.get(FAULT_HEADERS.abort));
    if (grpcStatus !== undefined) result = { grpcStatus };
    else if (status !== undefined && status >= 200 && status < 600) result = { status };
    percentage = headerPercentage(abort.percentage, headers.get(FAULT_HEADERS.abortPercentage));
  }
  if (result === undefined || !drawn(percentage, random)) return undefined;
  return result;
}

/**
 * `x-envoy-fault-*-percentage`: the header gives the numerator, capped by the configured
 * percentage's numerator, over the configured denominator; absent or unparsable, the configured
 * percentage applies.
 */
function headerPercentage(configured: FractionalPercent, value: string | undefined): FractionalPercent {
  const numerator = parseUint(value);
  if (numerator === undefined) return configured;
  return { numerator: Math.min(numerator, configured.numerator), denominator: configured.denominator };
}

function drawn(p: FractionalPercent, random: () => number): boolean {
  if (p.numerator <= 0) return false;
  if (p.numerator >= p.denominator) return true;
  return random() * p.denominator < p.numerator;
}

function parseUint(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}
