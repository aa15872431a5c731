// `node --import sidelet/register app.js`: loads and validates the bootstrap named by the
// environment before the app starts, so a bad mesh config stops the process with its precise error.
// Routing the app's fetch() through the mesh is added here by the embedded runtime.
import { ConfigError } from '../core/errors.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';

try {
  await loadBootstrap(undefined);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`sidelet: ${error.message}`);
  process.exit(1);
}
