// Decodes type.matcher.v3.StringMatcher, config.route.v3.HeaderMatcher and QueryParameterMatcher.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { HeaderMatcher, HeaderMatchRule, QueryParameterMatcher, StringMatcher } from '../core/model/matcher.ts';
import { type DecodeOptions, Fields } from './fields.ts';
import { regexMatcher } from './decode-well-known.ts';

const STRING_KINDS = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const;

export function decodeStringMatcher(value: unknown, path: ConfigPath, options: DecodeOptions): StringMatcher {
  const f = new Fields(value, path, options);
  const kind = f.oneof(STRING_KINDS, 'match pattern');
  const ignoreCase = f.bool('ignore_case', false);
  let matcher: StringMatcher;
  if (kind === undefined) throw new ConfigError(path, `one of ${STRING_KINDS.join(', ')} is required`);
  if (kind === 'safe_regex') {
    matcher = { kind: 'regex', regex: regexMatcher(f.message('safe_regex')!) };
  } else {
    const text = f.string(kind) ?? '';
    if (kind !== 'exact' && text === '') f.fail(kind, 'must not be empty');
    matcher = { kind, value: ignoreCase ? text.toLowerCase() : text, ignoreCase } as StringMatcher;
  }
  f.end();
  return matcher;
}

const HEADER_RULES = [
  'exact_match',
  'safe_regex_match',
  'range_match',
  'present_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'string_match',
] as const;

export function decodeHeaderMatcher(value: unknown, path: ConfigPath, options: DecodeOptions): HeaderMatcher {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name').toLowerCase();
  const kind = f.oneof(HEADER_RULES, 'header match rule');
  let rule: HeaderMatchRule;
  switch (kind) {
    case undefined:
      rule = { kind: 'present', present: true };
      break;
    case 'present_match':
      rule = { kind: 'present', present: f.bool('present_match', true) };
      break;
    case 'range_match': {
      const r = f.message('range_match')!;
      const start = r.number('start', { integer: true }) ?? 0;
      const end = r.number('end', { integer: true }) ?? 0;
      if (end <= start) r.fail('end', `must be greater than start (${start}), got ${end}`);
      r.end();
      rule = { kind: 'range', start, end };
      break;
    }
    case 'string_match':
      rule = { kind: 'string', matcher: decodeStringMatcher(f.raw(kind)!.value, f.pathOf(kind), options) };
      break;
    case 'safe_regex_match':
      rule = { kind: 'string', matcher: { kind: 'regex', regex: regexMatcher(f.message(kind)!) } };
      break;
    default: {
      const text = f.string(kind)!;
      const stringKind = kind.slice(0, -'_match'.length) as 'exact' | 'prefix' | 'suffix' | 'contains';
      rule = { kind: 'string', matcher: { kind: stringKind, value: text, ignoreCase: false } };
    }
  }
  const matcher: HeaderMatcher = {
    name,
    rule,
    invertMatch: f.bool('invert_match', false),
    treatMissingHeaderAsEmpty: f.bool('treat_missing_header_as_empty', false),
  };
  f.end();
  return matcher;
}

export function decodeQueryParameterMatcher(value: unknown, path: ConfigPath, options: DecodeOptions): QueryParameterMatcher {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name');
  const kind = f.oneof(['string_match', 'present_match'], 'query parameter match');
  const matcher: QueryParameterMatcher =
    kind === 'string_match'
      ? { name, matcher: decodeStringMatcher(f.raw(kind)!.value, f.pathOf(kind), options), present: true }
      : { name, matcher: undefined, present: kind === undefined ? true : f.bool('present_match', true) };
  f.end();
  return matcher;
}
