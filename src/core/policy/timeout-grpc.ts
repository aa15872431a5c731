// The grpc-timeout header (gRPC over HTTP/2, PROTOCOL-HTTP2.md "Timeout"): parsed to ms for
// max_stream_duration.grpc_timeout_header_max, and written for the upstream attempt. Pure.

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** `TimeoutValue TimeoutUnit`: 1–8 ASCII digits and one of H M S m u n. Anything else is ignored (undefined), as Envoy does. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  return m === null ? undefined : Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The header value for `ms` (rounded up to a whole ms), in the finest unit whose value fits 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole <= 99_999_999) return `${whole}m`;
  for (const unit of ['S', 'M', 'H'] as const) {
    const value = Math.ceil(whole / UNIT_MS[unit]!);
    if (value <= 99_999_999) return `${value}${unit}`;
  }
  return '99999999H';
}
