#!/usr/bin/env node
// The `sidelet` command: `validate` checks a bootstrap file, `run` is the standalone sidecar
// (outbound HTTP/1.1 listeners on TCP and unix sockets, docs/standalone.md).
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { packageInfo } from './package-info.ts';
import { runCommand } from './run-command.ts';

const pkg = packageInfo();

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
  .option('--admin <address>', 'serve /ready, /stats, /config_dump and /clusters on host:port (port 0: any free one)')
  .option('--demo', 'start three local demo upstreams and a generated config that shows routing, retries and backup requests')
  .option('--drain-timeout <ms>', 'on SIGTERM/SIGINT, how long calls in flight may take to finish', (v: string) => {
    const ms = Number(v);
    if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError('expected a whole number of milliseconds');
    return ms;
  })
  .action((options: { config?: string; listen?: string; uds?: string; demo?: boolean; drainTimeout?: number; admin?: string }) =>
    runCommand({ ...options, ...(options.drainTimeout === undefined ? {} : { drainTimeoutMs: options.drainTimeout }) }),
  );

if (process.argv.length <= 2) program.help();
await program.parseAsync();
