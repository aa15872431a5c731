// Rate limiting per caller application (the Qunar notes' 基于应用限流 and 基于优先级限流): each
// configured caller app gets its own bucket and/or its own priority, everyone else shares the
// default bucket; the caller and priority come from configured headers or the call's options.
import type { Clock } from '../clock.ts';
import type { CallerLimitConfig, RateLimitConfig } from '../model/policy-rate-limit.ts';
import { type AcquireOptions, PriorityRateLimiter } from './rate-limit-limiter.ts';
import { TOKEN_BUCKET_BYTES, TokenBucket } from './token-bucket.ts';

/** Gives the state buffer of one bucket: `caller` is the app id, undefined for the default bucket. */
export type BucketAllocator = (caller: string | undefined) => ArrayBufferLike;

const allocatePlain: BucketAllocator = () => new ArrayBuffer(TOKEN_BUCKET_BYTES);

/**
 * Threading: like PriorityRateLimiter, one owner thread (control thread in worker mode, the
 * calling thread inline) holds the queues and calls `acquire`; `allocate` may hand out
 * SharedArrayBuffers so the buckets' counts are the process's.
 */
export class CallerRateLimiter {
  readonly config: RateLimitConfig;
  readonly #default: PriorityRateLimiter;
  readonly #callers = new Map<string, { readonly entry: CallerLimitConfig; readonly limiter: PriorityRateLimiter }>();

  constructor(config: RateLimitConfig, clock: Clock, allocate: BucketAllocator = allocatePlain) {
    this.config = config;
    this.#default = new PriorityRateLimiter(TokenBucket.create(config.tokenBucket, clock, config.warmUp, allocate(undefined)), config, clock);
    for (const entry of config.callers) {
      const limiter =
        entry.tokenBucket === undefined
          ? this.#default
          : new PriorityRateLimiter(TokenBucket.create(entry.tokenBucket, clock, config.warmUp, allocate(entry.app)), config, clock);
      this.#callers.set(entry.app, { entry, limiter });
    }
  }

  /** The limiter whose bucket `caller` draws from: its own, else the default one. */
  limiterFor(caller: string | undefined): PriorityRateLimiter {
    return (caller === undefined ? undefined : this.#callers.get(caller)?.limiter) ?? this.#default;
  }

  /** Priority precedence: the call's own > the caller app's configured > the config's default. */
  priorityFor(caller: string | undefined, callPriority?: number): number {
    return priorityFor(this.config, caller, callPriority);
  }

  acquire(options: AcquireOptions = {}): Promise<void> {
    const priority = this.priorityFor(options.caller, options.priority);
    return this.limiterFor(options.caller).acquire({ priority, signal: options.signal });
  }

  /** For requests enabled but not enforced: takes a token if there is one, never queues. */
  tryTake(caller: string | undefined): boolean {
    return this.limiterFor(caller).tryTake();
  }
}

/** Priority precedence: the call's own > the caller app's configured > the config's default. */
export function priorityFor(config: Pick<RateLimitConfig, 'callers' | 'defaultPriority'>, caller: string | undefined, callPriority?: number): number {
  if (callPriority !== undefined) return callPriority;
  return (caller === undefined ? undefined : config.callers.find((entry) => entry.app === caller)?.priority) ?? config.defaultPriority;
}

/** The caller's app id from the configured header, if any. */
export function callerOf(config: Pick<RateLimitConfig, 'callerHeader'>, headers: ReadonlyMap<string, string>): string | undefined {
  if (config.callerHeader === undefined) return undefined;
  const value = headers.get(config.callerHeader)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The priority a request asks for in the configured header (an integer), if any. */
export function headerPriority(config: Pick<RateLimitConfig, 'priorityHeader'>, headers: ReadonlyMap<string, string>): number | undefined {
  if (config.priorityHeader === undefined) return undefined;
  const value = headers.get(config.priorityHeader)?.trim();
  return value !== undefined && /^-?\d{1,9}$/.test(value) ? Number(value) : undefined;
}
