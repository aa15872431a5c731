// Deep-freezes a decoded snapshot so no layer can change it after it is published.
// Maps get throwing set/delete/clear (Object.freeze alone leaves a Map's entries writable);
// RegExp objects stay unfrozen: matching writes their lastIndex.

function refuse(): never {
  throw new TypeError('a snapshot is immutable');
}

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof RegExp || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const method of ['set', 'delete', 'clear']) Object.defineProperty(value, method, { value: refuse });
  }
  Object.freeze(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
