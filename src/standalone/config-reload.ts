// SIGHUP and --watch for `sidelet run`: loads the bootstrap file again through the loader the
// start used, validates it whole, and only then swaps the static resources in force. A file that
// is refused changes nothing, and its error says where (file:line:col, path, reason).
import { isDeepStrictEqual } from 'node:util';
import type { Mesh } from '../api/mesh.ts';
import type { Bootstrap } from '../config/bootstrap.ts';
import { loadBootstrap } from '../config/load-bootstrap.ts';
import { ConfigError } from '../core/errors.ts';

export type ReloadOutcome = 'applied' | 'unchanged' | 'refused';

/**
 * What a reload cannot change, with the name each has in the file: the xDS client, the node and
 * the caller overrides are fixed when the mesh starts. A hot restart (SIGUSR2) applies them.
 */
const FIXED: readonly (readonly [keyof Bootstrap, string])[] = [
  ['xdsServers', 'xds_servers'],
  ['node', 'node'],
  ['authorities', 'authorities'],
  ['clientDefaultListenerResourceNameTemplate', 'client_default_listener_resource_name_template'],
  ['serverListenerResourceNameTemplate', 'server_listener_resource_name_template'],
  ['certificateProviders', 'certificate_providers'],
  ['callerOverrides', 'sidelet'],
];

const PARTS = ['listeners', 'routeConfigurations', 'clusters', 'endpoints'] as const;

export interface ConfigReloaderOptions {
  readonly mesh: Mesh;
  readonly file: string;
  /** --admin was given: the bootstrap's admin block is not what placed the admin server. */
  readonly adminFromFlag: boolean;
}

/** Threads: the main thread, which owns the mesh. Reloads run one after another. */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  #admin: Bootstrap['admin'];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#admin = options.mesh.bootstrap.admin;
  }

  /** `trigger` names the cause in the log line (`SIGHUP`, `file change`). */
  reload(trigger: string): Promise<ReloadOutcome> {
    const next = this.#queue.then(() => this.#reload(trigger));
    this.#queue = next;
    return next;
  }

  async #reload(trigger: string): Promise<ReloadOutcome> {
    const { mesh, file } = this.#options;
    try {
      const { bootstrap, staticResources } = await loadBootstrap(file);
      // An empty file is most often one being written: a reload never empties the config by accident.
      if (bootstrap.staticResources === undefined && bootstrap.xdsServers.length === 0) {
        throw new ConfigError([], 'configures nothing (no static_resources, no xds_servers): an empty file, or one still being written?', file);
      }
      for (const [field, name] of FIXED) {
        if (!isDeepStrictEqual(bootstrap[field], mesh.bootstrap[field])) {
          throw new ConfigError([name], 'changed; a reload applies static_resources only: hot restart (SIGUSR2) to apply it', file);
        }
      }
      const current = mesh.snapshot();
      if (PARTS.every((part) => isDeepStrictEqual(staticResources[part], current[part]))) {
        console.log(`sidelet reload (${trigger}): ${file} unchanged`);
        return 'unchanged';
      }
      mesh.replaceStaticResources(staticResources);
      console.log(
        `sidelet reloaded ${file} (${trigger}): ${staticResources.listeners.size} listeners, ${staticResources.clusters.size} clusters, snapshot version ${mesh.snapshot().version}`,
      );
      if (!this.#options.adminFromFlag && !isDeepStrictEqual(bootstrap.admin, this.#admin)) {
        console.log('sidelet: the admin block changed; the admin server moves at the next hot restart (SIGUSR2)');
      }
      this.#admin = bootstrap.admin;
      return 'applied';
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(`sidelet: reload (${trigger}) refused, the config in force stays: ${error.message}`);
      return 'refused';
    }
  }
}
