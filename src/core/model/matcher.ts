// String, header and query-parameter matchers as compiled from Envoy's type.matcher.v3 and
// config.route.v3.HeaderMatcher / QueryParameterMatcher. Regexes are compiled once at decode time.

/** type.matcher.v3.StringMatcher; `ignoreCase` does not apply to `regex`. With ignoreCase, `value` is stored lower-cased. */
export type StringMatcher =
  | { readonly kind: 'exact'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'contains'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'regex'; readonly regex: RegExp };

export type HeaderMatchRule =
  | { readonly kind: 'string'; readonly matcher: StringMatcher }
  | { readonly kind: 'present'; readonly present: boolean }
  /** range_match: start inclusive, end exclusive, on the header parsed as a signed integer. */
  | { readonly kind: 'range'; readonly start: number; readonly end: number };

export interface HeaderMatcher {
  /** Lower-cased header name. */
  readonly name: string;
  readonly rule: HeaderMatchRule;
  readonly invertMatch: boolean;
  readonly treatMissingHeaderAsEmpty: boolean;
}

export interface QueryParameterMatcher {
  readonly name: string;
  /** undefined with present=true means "present"; a matcher means the value must match. */
  readonly matcher: StringMatcher | undefined;
  readonly present: boolean;
}
