#!/usr/bin/env node
// The `sidelet` command: `validate` checks a bootstrap file, `run` is the standalone sidecar
// (HTTP/1.1, h2c, Dubbo and Bolt listeners, bound listeners, reload, hot restart: docs/standalone.md).
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { packageInfo } from './package-info.ts';
import { runCommand } from './run-command.ts';

const pkg = packageInfo();

interface RunFlags {
  readonly config?: string;
  readonly listen?: string;
  readonly uds?: string;
  readonly demo?: boolean;
  readonly drainTimeout?: number;
  readonly admin?: string;
  readonly watch?: boolean;
  readonly pidFile?: string;
  readonly restartEpoch?: number;
}

function wholeNumber(expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

const program = new Command()
  .name('sidelet')
  .description('A service mesh data plane inside your Node.js process (embedded: import { createMesh } from "sidelet").')
  .version(pkg.version)
  .showHelpAfterError();

program
  .command('validate')
  .description('check a bootstrap file (YAML or JSON) and print what it configures')
  .argument('<file>', 'the bootstrap file')
  .action(async (file: string) => {
    try {
      const { bootstrap, staticResources: s } = await loadBootstrap(file);
      const endpointCount = [...s.endpoints.values()].reduce((n, a) => n + a.localities.reduce((m, l) => m + l.endpoints.length, 0), 0);
      console.log(`${file}: valid`);
      console.log(`  xds servers:          ${bootstrap.xdsServers.map((x) => x.serverUri).join(', ') || 'none (static only)'}`);
      console.log(`  listeners:            ${[...s.listeners.keys()].join(', ') || 'none'}`);
      console.log(`  route configurations: ${[...s.routeConfigurations.keys()].join(', ') || 'none'}`);
      console.log(`  clusters:             ${[...s.clusters.keys()].join(', ') || 'none'}`);
      console.log(`  endpoints:            ${endpointCount}`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    }
  });

program
  .command('run')
  .description('run the mesh as a sidecar: outbound HTTP/1.1 routed by the Host header, on TCP and/or a unix socket')
  .option('-c, --config <file>', 'the bootstrap file (YAML or JSON)')
  .option('--listen <address>', 'TCP address, host:port or [ipv6]:port (port 0: any free one); default 127.0.0.1:15001 unless --uds alone')
  .option('--uds <path>', 'also (or only) listen on this unix domain socket')
  .option('--h2c <address>', 'also serve HTTP/2 cleartext (gRPC passes through) on host:port, routed by :authority')
  .option('--dubbo <address>', 'also serve Dubbo on host:port: each call routed by its service, method and attachments')
  .option('--bolt <address>', 'also serve SOFA Bolt on host:port: each call routed by its service and header map')
  .option('--admin <address>', 'serve /ready, /stats, /config_dump and /clusters on host:port (port 0: any free one); overrides the bootstrap\'s admin block')
  .option('--demo', 'start three local demo upstreams and a generated config that shows routing, retries and backup requests')
  .option('--drain-timeout <ms>', 'on SIGTERM/SIGINT or a hot restart, how long calls in flight may take to finish', wholeNumber('a whole number of milliseconds'))
  .option('--watch', 'reload the config when its file changes, as on SIGHUP')
  .option('--pid-file <file>', 'write the serving process\'s pid there (each hot restart generation replaces it)')
  .option('--restart-epoch <n>', 'set by a hot restart (SIGUSR2) for the successor it spawns; 0 when started by hand', wholeNumber('a whole number'))
  .action((options: RunFlags) => {
    const { drainTimeout, restartEpoch, ...rest } = options;
    return runCommand({ ...rest, ...(drainTimeout === undefined ? {} : { drainTimeoutMs: drainTimeout }), ...(restartEpoch === undefined ? {} : { restartEpoch }) });
  });

if (process.argv.length <= 2) program.help();
await program.parseAsync();
