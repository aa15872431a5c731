// The cluster specifier of a route action: a named cluster, a weighted pick among clusters,
// or the cluster named by a request header.
import type { ClusterSpecifier, WeightedCluster } from '../model/route.ts';
import type { HeaderLookup } from './header-matcher.ts';
import { firstValue } from './request-view.ts';

export type ClusterPick =
  | { readonly kind: 'cluster'; readonly name: string; readonly weighted: WeightedCluster | undefined }
  | { readonly kind: 'none'; readonly detail: string };

/** Reads the request's headers only for cluster_header and draws `random()` only for weighted clusters. */
export type ClusterPicker = (header: () => HeaderLookup, random: () => number) => ClusterPick;

export function compileClusterPicker(spec: ClusterSpecifier): ClusterPicker {
  switch (spec.kind) {
    case 'cluster': {
      const pick: ClusterPick = { kind: 'cluster', name: spec.name, weighted: undefined };
      return () => pick;
    }
    case 'cluster_header': {
      const { header } = spec;
      return (lookup) => {
        const name = firstValue(lookup()(header));
        return name === undefined ? { kind: 'none', detail: `cluster_header "${header}" is missing or empty` } : { kind: 'cluster', name, weighted: undefined };
      };
    }
    case 'weighted_clusters':
      return compileWeightedPicker(spec.clusters);
  }
}

/**
 * As Envoy: a value uniform in [0, total) falls into one cluster's span of the cumulative
 * weights, so each cluster is picked with probability weight / total and a weight of 0 never.
 * The total is summed here from the weights rather than read from the model.
 */
function compileWeightedPicker(clusters: readonly WeightedCluster[]): ClusterPicker {
  const ends: number[] = [];
  let total = 0;
  for (const cluster of clusters) {
    total += cluster.weight;
    ends.push(total);
  }
  if (total <= 0) {
    const none: ClusterPick = { kind: 'none', detail: 'weighted_clusters have a total weight of 0' };
    return () => none;
  }
  const picks = clusters.map((c): ClusterPick => ({ kind: 'cluster', name: c.name, weighted: c }));
  return (_header, random) => {
    const point = Math.min(total - 1, Math.floor(random() * total));
    let i = 0;
    while (point >= ends[i]!) i++;
    return picks[i]!;
  };
}
