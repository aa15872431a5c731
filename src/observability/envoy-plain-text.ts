// Renders prom-client metrics in the shape of Envoy's admin /stats page: one `name: value` line
// per stat, cluster stats as `cluster.<cluster_name>.<stat>`, sorted by name (Envoy docs,
// "Administration interface → GET /stats"). Histograms show their count and sum, not buckets.

/** The part of prom-client's getMetricsAsJSON() entries this reads. */
export interface MetricJson {
  readonly name: string;
  readonly values: readonly { readonly value: number; readonly labels: Readonly<Record<string, string | number | undefined>>; readonly metricName?: string }[];
}

export function envoyPlainText(metrics: readonly MetricJson[]): string {
  const lines: string[] = [];
  for (const metric of metrics) {
    for (const { value, labels, metricName } of metric.values) {
      const name = metricName ?? metric.name;
      if (name.endsWith('_bucket')) continue;
      const { cluster_name: cluster, ...rest } = labels;
      const extra = Object.entries(rest).filter(([, v]) => v !== undefined);
      const tags = extra.length === 0 ? '' : `{${extra.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
      lines.push(`${cluster === undefined ? '' : `cluster.${cluster}.`}${name}${tags}: ${value}`);
    }
  }
  return lines.sort().join('\n') + (lines.length > 0 ? '\n' : '');
}
