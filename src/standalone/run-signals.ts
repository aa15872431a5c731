// The signals `sidelet run` answers: SIGTERM and SIGINT drain and stop (a second one exits at
// once), SIGUSR2 starts a hot restart, SIGHUP reloads the config. Watched from the start, so a
// signal that comes while starting never gets node's default action, which kills the process.
// (SIGUSR1 is node's: it opens the inspector.)

export class RunSignals {
  /** Resolves at the first SIGTERM or SIGINT. */
  readonly stopped: Promise<NodeJS.Signals>;
  #stopRequested = false;
  #restart: () => void = () => console.error('sidelet: SIGUSR2 ignored: not serving yet');
  #reload: () => void = () => console.error('sidelet: SIGHUP ignored: not serving yet');

  constructor() {
    this.stopped = new Promise((resolve) => {
      const first = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', first).off('SIGINT', first);
        process.once('SIGTERM', again).once('SIGINT', again);
        this.#stopRequested = true;
        console.log(`sidelet draining (${signal})`);
        resolve(signal);
      };
      const again = (signal: NodeJS.Signals): void => {
        console.error(`sidelet: ${signal} again, exiting without draining`);
        process.exit(1);
      };
      process.on('SIGTERM', first).on('SIGINT', first);
    });
    process.on('SIGUSR2', () => this.#restart());
    process.on('SIGHUP', () => this.#reload());
  }

  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /** What SIGUSR2 does from now on. */
  onRestart(handler: () => void): void {
    this.#restart = handler;
  }

  /** What SIGHUP does from now on. */
  onReload(handler: () => void): void {
    this.#reload = handler;
  }
}
