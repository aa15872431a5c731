// config.route.v3.HeaderMatcher over one header's value (repeated headers joined by ","),
// following Envoy's HeaderUtility::matchHeaders for missing headers, invert_match and ranges.
import type { HeaderMatcher } from '../model/matcher.ts';
import { matchString } from './string-matcher.ts';

/** Looks a lower-cased header name up; undefined when the request lacks it. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * A missing header matches nothing, inverted or not, except a present_match rule, which sees
 * it as absent. With treat_missing_header_as_empty it is a present header whose value is "".
 */
export function matchHeader(matcher: HeaderMatcher, value: string | undefined): boolean {
  const { rule } = matcher;
  if (value === undefined && !matcher.treatMissingHeaderAsEmpty) {
    return rule.kind === 'present' && rule.present === matcher.invertMatch;
  }
  const subject = value ?? '';
  let matched: boolean;
  switch (rule.kind) {
    case 'present':
      matched = rule.present;
      break;
    case 'range':
      matched = inRange(subject, rule.start, rule.end);
      break;
    case 'string':
      matched = matchString(rule.matcher, subject);
      break;
  }
  return matched !== matcher.invertMatch;
}

/** Every matcher must match; no matchers is a match. */
export function matchHeaders(matchers: readonly HeaderMatcher[], lookup: HeaderLookup): boolean {
  for (const matcher of matchers) if (!matchHeader(matcher, lookup(matcher.name))) return false;
  return true;
}

// absl::SimpleAtoi into an int64: optional ASCII whitespace around an optionally signed decimal.
const INTEGER = /^[\t\n\v\f\r ]*([+-]?\d+)[\t\n\v\f\r ]*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** range_match: start inclusive, end exclusive; a value that is not an int64 never matches. */
function inRange(value: string, start: number, end: number): boolean {
  const digits = INTEGER.exec(value)?.[1];
  if (digits === undefined) return false;
  // Fifteen characters (sign included) are always exact as a double; longer values compare as BigInt.
  if (digits.length <= 15) {
    const n = Number(digits);
    return n >= start && n < end;
  }
  const n = BigInt(digits);
  return n >= INT64_MIN && n <= INT64_MAX && n >= BigInt(start) && n < BigInt(end);
}
