// Matches a value against a compiled type.matcher.v3.StringMatcher, as Envoy's StringMatcherImpl does.
import type { StringMatcher } from '../model/matcher.ts';

/**
 * With `ignoreCase` the value is lower-cased and compared to the matcher's value, which the
 * decoder stores lower-cased. A regex must match the whole value (RE2 full-match semantics):
 * the decoder compiles safe_regex as `^(?:pattern)$` without flags, so `test` is a full match.
 */
export function matchString(matcher: StringMatcher, value: string): boolean {
  if (matcher.kind === 'regex') return matcher.regex.test(value);
  const subject = matcher.ignoreCase ? value.toLowerCase() : value;
  switch (matcher.kind) {
    case 'exact':
      return subject === matcher.value;
    case 'prefix':
      return subject.startsWith(matcher.value);
    case 'suffix':
      return subject.endsWith(matcher.value);
    case 'contains':
      return subject.includes(matcher.value);
  }
}
