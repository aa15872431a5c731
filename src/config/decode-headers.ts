// Decodes header mutations: request_headers_to_add (core.v3.HeaderValueOption) and request_headers_to_remove.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { HeaderMutations, HeaderValueOption } from '../core/model/route.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const APPEND_ACTIONS = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] as const;

function decodeHeaderValueOption(value: unknown, path: ConfigPath, options: DecodeOptions): HeaderValueOption {
  const f = new Fields(value, path, options);
  const header = f.requiredMessage('header');
  const key = header.requiredString('key').toLowerCase();
  if (key.startsWith(':') || key === 'host') header.fail('key', `"${key}" cannot be set by request_headers_to_add; use a host rewrite`);
  const text = header.string('value') ?? '';
  header.end(['raw_value']);
  const append = f.has('append') ? f.bool('append', true) : undefined;
  if (append !== undefined && f.has('append_action')) f.fail('append', 'append and append_action cannot both be set');
  const appendAction =
    append === undefined ? f.enumOf('append_action', APPEND_ACTIONS, 'APPEND_IF_EXISTS_OR_ADD') : append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  f.end(['keep_empty_value']);
  return { key, value: text, appendAction };
}

/** The add/remove pair as it appears on route configurations, virtual hosts, routes and weighted clusters. */
export function decodeHeaderMutations(f: Fields): HeaderMutations {
  return {
    add: f.list('request_headers_to_add', (v, p) => decodeHeaderValueOption(v, p, f.options)),
    remove: f.list('request_headers_to_remove', (v, p) => {
      if (typeof v !== 'string' || v === '') throw new ConfigError(p, 'must be a non-empty string');
      const name = v.toLowerCase();
      if (name.startsWith(':') || name === 'host') throw new ConfigError(p, `"${name}" cannot be removed`);
      return name;
    }),
  };
}

/** Response-side mutations: accepted in config, not applied yet (the core has no response-header stage). */
export const RESPONSE_HEADER_FIELDS = ['response_headers_to_add', 'response_headers_to_remove'] as const;
