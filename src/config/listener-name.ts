// Names the outbound listener for a call, as gRPC proxyless does (gRPC A27): the call's
// authority `host:port` (the scheme's default port when absent) through the name template.
import type { Bootstrap } from './bootstrap.ts';

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'grpc:': 80, 'grpcs:': 443 };

/** `reviews` over http → `reviews:80`; `[::1]:8080` stays as it is. */
export function authorityOf(url: URL): string {
  const port = url.port !== '' ? url.port : String(DEFAULT_PORTS[url.protocol] ?? 80);
  return `${url.hostname}:${port}`;
}

/**
 * Applies a listener resource name template: `%s` becomes the authority; for `xdstp:` templates
 * (gRPC A47) the authority is percent-encoded as a URI path segment (`:` and `@` stay, `/` does not).
 */
export function applyListenerTemplate(template: string, authority: string): string {
  const value = template.startsWith('xdstp:') ? encodeURIComponent(authority).replace(/%3A/gi, ':').replace(/%40/gi, '@') : authority;
  return template.replaceAll('%s', value);
}

export function listenerNameFor(bootstrap: Pick<Bootstrap, 'clientDefaultListenerResourceNameTemplate'>, url: URL): string {
  return applyListenerTemplate(bootstrap.clientDefaultListenerResourceNameTemplate, authorityOf(url));
}
