// Warm-up curve for the token bucket (Sentinel's WarmUpController, after Guava's SmoothWarmingUp):
// how much dearer a token is while the limiter is cold, and how warmth follows the traffic.
import type { WarmUpConfig } from '../model/policy-rate-limit.ts';

/**
 * The cost of one token, as a multiple of its cost at the full rate, at `warmthMs` of warmth.
 *
 * Guava's SmoothWarmingUp (which Sentinel's WarmUpController ports with coldFactor 3) makes
 * the interval between permits linear in the stored "cold" permits, from coldFactor × the
 * stable interval down to the stable interval, sized so that a saturated limiter takes the
 * warm-up period to get there. Solving that for time under saturation gives
 * interval(t)² = cold² − (cold² − stable²) · t / period, so the multiplier is
 * sqrt(c² − (c² − 1) · t / period): rate / coldFactor when cold, the full rate once warm.
 */
export function warmUpCostFactor(warmUp: WarmUpConfig, warmthMs: number): number {
  const c2 = warmUp.coldFactor * warmUp.coldFactor;
  const t = Math.min(1, Math.max(0, warmthMs / warmUp.periodMs));
  return Math.sqrt(c2 - (c2 - 1) * t);
}

/**
 * The warmth after a gap of `gapMs` between two admitted requests. Sentinel cools its bucket
 * while the passed rate is below rate / coldFactor and warms it otherwise; sidelet applies that
 * test to each gap: a gap longer than coldFactor tokens' time at the full rate (traffic below
 * rate / coldFactor) cools by its length, a shorter one warms by its length. Idle for the
 * warm-up period from warm means fully cold again, as Guava refills its cold permits in that time.
 */
/** A saturated cold limiter admits exactly one token per coldFactor tokens' time: float rounding must not make that a cooling gap. */
const GAP_SLACK = 1 + 1e-9;

export function nextWarmth(warmUp: WarmUpConfig, warmthMs: number, gapMs: number, msPerToken: number): number {
  const warmed = gapMs <= warmUp.coldFactor * msPerToken * GAP_SLACK ? warmthMs + gapMs : warmthMs - gapMs;
  return Math.min(warmUp.periodMs, Math.max(0, warmed));
}
