// Virtual host selection by :authority in Envoy's domain order: exact, then suffix wildcards
// (`*.foo.com`, `*-bar.foo.com`), then prefix wildcards (`foo.*`), longest first, then `*`.

/**
 * Built once per route table. Exact domains are one hash lookup. Wildcards are grouped by the
 * length of their fixed part, one hash map per length, lengths longest first (as Envoy's
 * RouteMatcher does): a lookup costs at most one map probe per distinct length, never a scan
 * of the virtual hosts, and a one-character test skips most of those probes. A wildcard
 * stands for at least one character, so `*.foo.com` does not match `.foo.com` and `foo.*`
 * does not match `foo.`. Hosts compare lower-cased.
 *
 * Ports: the authority is first matched as given (`reviews:80` finds a domain `reviews:80`);
 * when nothing but `*` would match and it carries a port, it is matched again without the port
 * (`reviews`), and only then does `*` apply, so a catch-all never hides a host listed without
 * its port. Envoy itself matches the host as given unless strip_matching_host_port or
 * strip_any_host_port is set; this is the "with and without port" lookup Istio's domain lists
 * (`reviews`, `reviews:80`, ...) are written for.
 */
export class DomainIndex<T> {
  readonly #exact = new Map<string, T>();
  readonly #suffixes: WildcardTable<T> = [];
  readonly #prefixes: WildcardTable<T> = [];
  #any: T | undefined;

  /** Entries in configuration order; when a domain repeats, the first one keeps it. */
  constructor(entries: Iterable<{ readonly domains: readonly string[]; readonly value: T }>) {
    for (const { domains, value } of entries) {
      for (const raw of domains) {
        const domain = raw.toLowerCase();
        if (domain === '*') this.#any ??= value;
        else if (domain.startsWith('*')) addWildcard(this.#suffixes, domain.slice(1), domain.charCodeAt(1), value);
        else if (domain.endsWith('*')) addWildcard(this.#prefixes, domain.slice(0, -1), domain.charCodeAt(domain.length - 2), value);
        else if (!this.#exact.has(domain)) this.#exact.set(domain, value);
      }
    }
    this.#suffixes.sort((a, b) => b.length - a.length);
    this.#prefixes.sort((a, b) => b.length - a.length);
  }

  find(authority: string): T | undefined {
    const host = authority.toLowerCase();
    const found = this.#findSpecific(host);
    if (found !== undefined) return found;
    const port = portStart(host);
    return (port < 0 ? undefined : this.#findSpecific(host.slice(0, port))) ?? this.#any;
  }

  #findSpecific(host: string): T | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const { length, edges, hosts } of this.#suffixes) {
      if (length >= host.length || !edges.has(host.charCodeAt(host.length - length))) continue;
      const found = hosts.get(host.slice(host.length - length));
      if (found !== undefined) return found;
    }
    for (const { length, edges, hosts } of this.#prefixes) {
      if (length >= host.length || !edges.has(host.charCodeAt(length - 1))) continue;
      const found = hosts.get(host.slice(0, length));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/**
 * Wildcard domains by the length of their fixed part. `edges` holds the character next to the
 * wildcard in each fixed part (`.` of `*.foo.com`, `-` of `*-bar.foo.com`): a host whose
 * character at that place is not among them skips the group without building a substring.
 */
type WildcardTable<T> = { readonly length: number; readonly edges: Set<number>; readonly hosts: Map<string, T> }[];

function addWildcard<T>(table: WildcardTable<T>, fixed: string, edge: number, value: T): void {
  let group = table.find((g) => g.length === fixed.length);
  if (group === undefined) {
    group = { length: fixed.length, edges: new Set(), hosts: new Map() };
    table.push(group);
  }
  group.edges.add(edge);
  if (!group.hosts.has(fixed)) group.hosts.set(fixed, value);
}

/**
 * Where the `:port` of an authority starts, or -1. A bracketed IPv6 literal has its port after
 * `]:` (`[::1]:80`); an unbracketed address with several colons is an IPv6 literal without a
 * port (Envoy's getPortStart would cut it at the last colon); the port must be digits.
 */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || colon === host.length - 1) return -1;
  if (host.charCodeAt(0) === 91 /* [ */) {
    if (host.charCodeAt(colon - 1) !== 93 /* ] */) return -1;
  } else if (host.indexOf(':') !== colon) {
    return -1;
  }
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return colon;
}
