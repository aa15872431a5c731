// The health-check runner against real upstreams on 127.0.0.1: HTTP servers that flip between
// 200 and 503, a closed port (connection refused), a server that never answers (timeout) and
// TCP connect checks; waits are driven by the runner's own change reports, with generous bounds.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Endpoint } from '../../src/core/model/endpoint.ts';
import type { HealthCheckConfig, HttpHealthCheck } from '../../src/core/model/policy-health-check.ts';
import { HealthChecker } from '../../src/runtime/health-checker.ts';
import { assignment, cluster, endpoint, locality } from '../core/lb/fixtures.ts';
import { httpsUpstream, httpUpstream, refusedEndpoint, tlsFixture, type Upstream } from '../protocols/http/servers.ts';
import type { UpstreamTlsConfig } from '../../src/core/model/cluster.ts';

const BOUND_MS = 10_000;

function check(checker: HealthCheckConfig['checker'], overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return {
    timeoutMs: 2000,
    intervalMs: 20,
    initialJitterMs: 0,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
    reuseConnection: true,
    noTrafficIntervalMs: undefined,
    noTrafficHealthyIntervalMs: undefined,
    unhealthyIntervalMs: 20,
    unhealthyEdgeIntervalMs: 20,
    healthyEdgeIntervalMs: 20,
    checker,
    ...overrides,
  };
}

function http(overrides: Partial<HttpHealthCheck> = {}): HttpHealthCheck {
  return {
    kind: 'http',
    path: '/healthz',
    host: undefined,
    method: 'GET',
    expectedStatuses: [{ start: 200, end: 201 }],
    retriableStatuses: [],
    headers: { add: [{ key: 'x-probe', value: 'yes', appendAction: 'APPEND_IF_EXISTS_OR_ADD' }], remove: [] },
    ...overrides,
  };
}

/** A runner whose change reports can be awaited: `until(ids)` resolves when the unhealthy set equals `ids`. */
function runner(checks: readonly HealthCheckConfig[], hosts: readonly Endpoint[], tls?: UpstreamTlsConfig) {
  const waiters: { ids: string; resolve: () => void }[] = [];
  const key = (ids: Iterable<string>) => [...ids].sort().join(' ');
  const checker = new HealthChecker(cluster({ name: 'reviews', healthChecks: checks, ...(tls === undefined ? {} : { tls }) }), {
    onChange: (unhealthy) => {
      const now = key(unhealthy);
      for (const w of waiters.filter((w) => w.ids === now)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
  });
  checker.setAssignment(assignment([locality([...hosts])]));
  const until = (ids: readonly string[]): Promise<void> => {
    if (key(checker.unhealthy) === key(ids)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`unhealthy set is still ${key(checker.unhealthy) || '(empty)'}, waited for ${key(ids) || '(empty)'}`)), BOUND_MS);
      waiters.push({ ids: key(ids), resolve: () => (clearTimeout(timer), resolve()) });
    });
  };
  return { checker, until };
}

/** An HTTP upstream answering `status.value`, counting the answers of each status. */
async function flipping(): Promise<{ upstream: Upstream; status: { value: number }; served: Map<number, number>; seen: Record<string, string | undefined>[] }> {
  const status = { value: 200 };
  const served = new Map<number, number>();
  const seen: Record<string, string | undefined>[] = [];
  const upstream = await httpUpstream((req, res) => {
    seen.push({ method: req.method, url: req.url, host: req.headers.host, probe: String(req.headers['x-probe']), agent: req.headers['user-agent'] });
    served.set(status.value, (served.get(status.value) ?? 0) + 1);
    res.statusCode = status.value;
    res.end('ok');
  });
  return { upstream, status, served, seen };
}

test('HTTP checks: a refused host is unhealthy, a host answering 503 (retriable) turns unhealthy after unhealthy_threshold and back after healthy_threshold', async () => {
  const a = await flipping();
  const b = await flipping();
  const refused = await refusedEndpoint();
  const { checker, until } = runner([check(http({ retriableStatuses: [{ start: 503, end: 504 }] }))], [a.upstream.endpoint, b.upstream.endpoint, refused]);
  try {
    assert.equal(checker.unhealthy.size, 3, 'hosts start unhealthy until their first check');
    await checker.ready;
    await until([refused.id]);
    assert.deepEqual(a.seen[0], { method: 'GET', url: '/healthz', host: 'reviews', probe: 'yes', agent: 'sidelet/HC' });

    const servedBefore = a.served.get(503) ?? 0;
    a.status.value = 503;
    await until([a.upstream.endpoint.id, refused.id]);
    assert.equal((a.served.get(503) ?? 0) - servedBefore, 2, 'exactly unhealthy_threshold failures');

    const okBefore = a.served.get(200)!;
    a.status.value = 200;
    await until([refused.id]);
    assert.equal(a.served.get(200)! - okBefore, 2, 'exactly healthy_threshold successes');
  } finally {
    checker.close();
    await Promise.all([a.upstream.close(), b.upstream.close()]);
  }
});

test('an unexpected status marks a host unhealthy on the first one; reuse_connection off still works', async () => {
  const a = await flipping();
  const { checker, until } = runner([check(http(), { reuseConnection: false, unhealthyThreshold: 5 })], [a.upstream.endpoint]);
  try {
    await until([]);
    a.status.value = 503;
    await until([a.upstream.endpoint.id]);
    assert.equal(a.served.get(503), 1);
  } finally {
    checker.close();
    await a.upstream.close();
  }
});

test('a server that never answers fails by timeout, and close lets it go', async () => {
  const hanging = await httpUpstream(() => {});
  const { checker, until } = runner([check(http(), { timeoutMs: 50, unhealthyThreshold: 1 })], [hanging.endpoint]);
  try {
    await checker.ready;
    await until([hanging.endpoint.id]);
  } finally {
    checker.close();
    await hanging.allClosed();
    await hanging.close();
  }
});

test('TCP connect checks: healthy while listening, unhealthy once the port is closed', async () => {
  const server = createTcpServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = endpoint(`127.0.0.1:${port}`);
  const { checker, until } = runner([check({ kind: 'tcp' })], [host]);
  try {
    await until([]);
    server.close();
    await once(server, 'close');
    await until([host.id]);
  } finally {
    checker.close();
  }
});

test('two checks: a host must pass both', async () => {
  const a = await flipping();
  const { checker, until } = runner([check({ kind: 'tcp' }), check(http())], [a.upstream.endpoint]);
  try {
    await until([]);
    a.status.value = 500;
    await until([a.upstream.endpoint.id]);
  } finally {
    checker.close();
    await a.upstream.close();
  }
});

test('HTTP checks of a TLS cluster go over its TLS settings: a trusted host passes, one with an untrusted certificate fails', async () => {
  const trusted = await httpsUpstream((_req, res) => res.end('ok'));
  const untrusted = await httpsUpstream((_req, res) => res.end('ok'), { identity: 'other-server' });
  const tls: UpstreamTlsConfig = {
    sni: 'localhost',
    trustedCa: tlsFixture('ca.pem'),
    verifyChain: true,
    clientCertificate: undefined,
    alpnProtocols: [],
    subjectAltNames: [],
    minVersion: undefined,
    maxVersion: undefined,
  };
  const { checker, until } = runner([check(http())], [trusted.endpoint, untrusted.endpoint], tls);
  try {
    await checker.ready;
    await until([untrusted.endpoint.id]);
  } finally {
    checker.close();
    await Promise.all([trusted.close(), untrusted.close()]);
  }
});
