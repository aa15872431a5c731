// Request mirroring settings: Envoy's config.route.v3.RouteAction.RequestMirrorPolicy.

export type MirrorCluster = { readonly kind: 'cluster'; readonly name: string } | { readonly kind: 'cluster_header'; readonly header: string };

export interface MirrorPolicy {
  readonly cluster: MirrorCluster;
  /** runtime_fraction's default_value per million; absent means every request (1 000 000). */
  readonly perMillion: number;
}
