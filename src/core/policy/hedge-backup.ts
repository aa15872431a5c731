// Backup requests (sidelet.filters.http.backup_request): when to send one backup attempt to
// another host if the first has not answered — after a fixed delay (static) or after the
// route's p(1 − maxExtraLoad) latency (dynamic, Finagle's BackupRequestFilter) — within a budget.
import type { Clock } from '../clock.ts';
import type { DynamicBackupConfig, StaticBackupConfig } from '../model/policy-hedge.ts';
import { BackupBudget, type BackupStats } from './hedge-budget.ts';
import { LatencyHistogram } from './latency-histogram.ts';

/** Arrays the runtime may put in a SharedArrayBuffer so all threads share one route's state. */
export interface BackupState {
  /** LatencyHistogram.stateLength(windowSeconds) slots; dynamic mode only. */
  readonly histogram?: Int32Array;
  /** BackupBudget.stateLength slots. */
  readonly budget?: BigInt64Array;
}

/**
 * One per route (or cluster) and thread; the budget, counters and histogram may be shared
 * across threads through `state`, the delay cache is the thread's own. Called only by the
 * attempt loop on the thread that owns it:
 *
 * 1. request starts → `backupDelay()`; undefined means no backup for this request;
 * 2. arm a Clock timer for that delay; cancel it when the first attempt answers;
 * 3. timer fires → `tryStartBackup()`; when true, send one backup, excluding the hosts tried;
 * 4. the first good answer wins, the other attempt is cancelled; if the backup won →
 *    `recordBackupWon()`;
 * 5. `recordLatency(ms)` with the first attempt's latency when it answers, or, when it lost to
 *    the backup, its elapsed time when cancelled (a lower bound that keeps slow tails in view).
 */
export class BackupRequests {
  readonly config: StaticBackupConfig | DynamicBackupConfig;
  /** The latency window (dynamic mode). */
  readonly histogram: LatencyHistogram | undefined;
  readonly #clock: Clock;
  readonly #budget: BackupBudget;
  #cachedSecond = Number.NaN;
  #cachedDelay: number | undefined;

  constructor(config: StaticBackupConfig | DynamicBackupConfig, clock: Clock, state: BackupState = {}) {
    this.config = config;
    this.#clock = clock;
    this.#budget = new BackupBudget(config.budget, state.budget);
    this.histogram = config.mode === 'dynamic' ? new LatencyHistogram(clock, config.windowSeconds, state.histogram) : undefined;
  }

  /**
   * A request starts: deposits its share into the budget and returns the ms after which a
   * backup is due, or undefined (dynamic mode before `minSamples` latencies are in the window).
   * The dynamic delay is refreshed once per clock second.
   */
  backupDelay(): number | undefined {
    this.#budget.deposit();
    const config = this.config;
    if (config.mode === 'static') return config.delayMs;
    const second = Math.floor(this.#clock.now() / 1000);
    if (second !== this.#cachedSecond) {
      this.#cachedSecond = second;
      this.#cachedDelay = dynamicDelay(config, this.histogram!);
    }
    return this.#cachedDelay;
  }

  /** The delay passed without an answer: true when the budget allows a backup (counted as sent). */
  tryStartBackup(): boolean {
    return this.#budget.tryWithdraw();
  }

  recordLatency(ms: number): void {
    this.histogram?.record(ms);
  }

  recordBackupWon(): void {
    this.#budget.recordBackupWon();
  }

  stats(): BackupStats {
    return this.#budget.stats();
  }
}

/** Finagle's send-backup-after: the configured latency quantile (1 − maxExtraLoad by default), never below the minimum delay. */
function dynamicDelay(config: DynamicBackupConfig, histogram: LatencyHistogram): number | undefined {
  if (histogram.count() < config.minSamples) return undefined;
  const p = histogram.percentile(config.percentile);
  return p === undefined ? undefined : Math.max(config.minDelayMs, p);
}
