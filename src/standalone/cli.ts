#!/usr/bin/env node
// The `sidelet` command: validates bootstrap files now; `run` (the standalone sidecar) comes with the standalone mode.
import { Command } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { packageInfo } from './package-info.ts';

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

if (process.argv.length <= 2) program.help();
await program.parseAsync();
