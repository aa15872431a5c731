// `node --import sidelet/register app.js`: builds the mesh (inline mode) from the bootstrap the
// environment names and makes it undici's global dispatcher, so the app's own fetch() and
// undici.request() go through the mesh; a bad bootstrap stops the process with its precise error.
import { setGlobalDispatcher } from 'undici';
import { ConfigError } from '../core/errors.ts';
import { createMesh, type Mesh } from './mesh.ts';

let mesh: Mesh;
try {
  mesh = await createMesh();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`sidelet: ${error.message}`);
  process.exit(1);
}
// The mesh holds the process open only while a call is in flight: its timers are unref'd and
// undici unrefs idle keep-alive sockets. It is not closed on 'beforeExit', so a fetch an app makes
// from its own 'beforeExit' handler (a last flush) still goes through the mesh.
setGlobalDispatcher(mesh.dispatcher());
