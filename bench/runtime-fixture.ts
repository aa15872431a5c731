// What bench/runtime.bench.ts and its first-response child share: the local upstream (node:http
// with keep-alive, in a child process of its own so it never shares the client's event loop) and
// the static bootstrap that routes `http://upstream` to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** Connections per endpoint, for the mesh's pool and the direct client's alike. */
export const CONNECTIONS = 64;

const SERVER = [
  "const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end('hello')); });",
  's.keepAliveTimeout = 60000;',
  "s.listen(0, '127.0.0.1', () => console.log(s.address().port));",
].join('\n');

export interface Upstream {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(line.toString().trim()),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

/** `http://upstream` → listener upstream:80 → cluster upstream (one endpoint), with a retry policy as routes usually have. */
export function staticBootstrap(port: number): object {
  return {
    static_resources: {
      listeners: [
        {
          name: 'upstream:80',
          api_listener: {
            api_listener: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              route_config: {
                name: 'upstream',
                virtual_hosts: [{ name: 'upstream', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream', retry_policy: { retry_on: '5xx', num_retries: 1 } } }] }],
              },
            },
          },
        },
      ],
      clusters: [
        {
          name: 'upstream',
          circuit_breakers: { thresholds: [{ max_connections: CONNECTIONS }] },
          load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
        },
      ],
    },
  };
}
