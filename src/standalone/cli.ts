#!/usr/bin/env node
// The `sidelet` command. Until the standalone mode lands it validates a bootstrap and prints usage.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const usage = `sidelet ${pkg.version} — a service mesh data plane inside your Node.js process

Usage:
  sidelet --version          print the version
  sidelet --help             print this text

Embedded use (the data plane as a library):
  import { createMesh } from 'sidelet';

The standalone sidecar (sidelet run -c mesh.yaml) is not built yet.
`;

const args = process.argv.slice(2);
if (args.includes('--version')) {
  console.log(pkg.version);
} else {
  console.log(usage);
  if (args.length > 0 && !args.includes('--help')) process.exitCode = 2;
}
