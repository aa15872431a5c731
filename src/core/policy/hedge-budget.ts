// The backup-request budget and counters: a capped token bucket where each request deposits
// maxExtraLoad tokens and each backup withdraws one (Finagle BackupRequestFilter's retry
// budget), so backups stay within maxExtraLoad of requests. Shared-memory ready.
import type { BackupBudgetConfig } from '../model/policy-hedge.ts';

// Slots of the state array. Tokens are fixed-point, TOKEN units to one backup.
const kTokens = 0;
const kBackupsSent = 1;
const kBackupsWon = 2;
const kBudgetDenied = 3;
const SLOTS = 4;
const TOKEN = 1_000_000n;

export interface BackupStats {
  /** Backups started. */
  readonly backupsSent: bigint;
  /** Backups whose answer was the one returned to the caller. */
  readonly backupsWon: bigint;
  /** Backups not sent because the budget was empty. */
  readonly budgetDenied: bigint;
}

/**
 * State is a BigInt64Array of `BackupBudget.stateLength` slots updated with Atomics: one
 * bucket per route (or cluster) for the whole process, which the runtime backs with a
 * SharedArrayBuffer so every thread serving the route draws on the same budget. Any thread
 * holding a view of the array may call any method.
 */
export class BackupBudget {
  static readonly stateLength = SLOTS;
  readonly #s: BigInt64Array;
  readonly #deposit: bigint;
  readonly #capacity: bigint;
  /** False: no budget, every backup is allowed (a static backup without max_extra_load). */
  readonly #limited: boolean;

  constructor(config: BackupBudgetConfig | undefined, state?: BigInt64Array) {
    if (state !== undefined && state.length !== SLOTS) throw new RangeError(`state must have ${SLOTS} slots, got ${state.length}`);
    this.#s = state ?? new BigInt64Array(SLOTS);
    this.#limited = config !== undefined;
    this.#deposit = config === undefined ? 0n : BigInt(Math.round(config.maxExtraLoad * Number(TOKEN)));
    this.#capacity = config === undefined ? 0n : BigInt(config.maxBurst) * TOKEN;
  }

  /** A request started: deposits maxExtraLoad tokens, up to the cap. */
  deposit(): void {
    if (!this.#limited) return;
    const s = this.#s;
    for (;;) {
      const current = Atomics.load(s, kTokens);
      const sum = current + this.#deposit;
      const next = sum > this.#capacity ? this.#capacity : sum;
      if (next === current || Atomics.compareExchange(s, kTokens, current, next) === current) return;
    }
  }

  /** A backup is due: takes one token and counts the backup as sent; false (counted as denied) when the bucket holds less than one. */
  tryWithdraw(): boolean {
    const s = this.#s;
    if (this.#limited && !this.#take()) {
      Atomics.add(s, kBudgetDenied, 1n);
      return false;
    }
    Atomics.add(s, kBackupsSent, 1n);
    return true;
  }

  #take(): boolean {
    const s = this.#s;
    for (;;) {
      const current = Atomics.load(s, kTokens);
      if (current < TOKEN) return false;
      if (Atomics.compareExchange(s, kTokens, current, current - TOKEN) === current) return true;
    }
  }

  recordBackupWon(): void {
    Atomics.add(this.#s, kBackupsWon, 1n);
  }

  /** Whole backups the bucket would allow now. */
  get balance(): number {
    return Number(Atomics.load(this.#s, kTokens) / TOKEN);
  }

  stats(): BackupStats {
    const s = this.#s;
    return { backupsSent: Atomics.load(s, kBackupsSent), backupsWon: Atomics.load(s, kBackupsWon), budgetDenied: Atomics.load(s, kBudgetDenied) };
  }
}
