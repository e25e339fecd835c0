// Key paths and documents that come from requests (payload filters, bulk-operation filters, settings, JSON
// pointers). A key named __proto__, constructor or prototype walks an ordinary object into
// Object.prototype, and a write there changes every object in the process; so such keys are refused
// before anything reads them, and documents built from paths are made of null-prototype objects.

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isForbiddenKey = (key: string): boolean => FORBIDDEN_KEYS.has(key);

export type KeyPath = { ok: true; segments: string[] } | { ok: false; reason: string };

/** "pull_request.head.ref" -> ["pull_request", "head", "ref"]; empty or forbidden segments refused. */
export function parseDottedPath(path: string): KeyPath {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) return { ok: false, reason: `"${path}" has an empty segment` };
  const forbidden = segments.find(isForbiddenKey);
  if (forbidden !== undefined) return { ok: false, reason: `"${path}" names "${forbidden}", which is not allowed` };
  return { ok: true, segments };
}

/**
 * A nested document from [segments, value] pairs: [["pull_request","number"], 42] -> {pull_request: {number: 42}}.
 * Every object made here has a null prototype, so no segment can reach a prototype even if one slipped past
 * parseDottedPath; a later path through a leaf replaces the leaf.
 */
export function buildDocument(fields: Iterable<readonly [readonly string[], unknown]>): Record<string, unknown> {
  const document = Object.create(null) as Record<string, unknown>;
  for (const [segments, value] of fields) {
    if (segments.length === 0) continue;
    let node = document;
    for (const segment of segments.slice(0, -1)) {
      const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        node = next as Record<string, unknown>;
      } else {
        const child = Object.create(null) as Record<string, unknown>;
        node[segment] = child;
        node = child;
      }
    }
    node[segments.at(-1)!] = value;
  }
  return document;
}

export type UnsafeInput =
  | { kind: 'forbidden_key'; path: string; key: string }
  | { kind: 'too_deep'; path: string; maxDepth: number }
  | { kind: 'invalid_string'; path: string };

/**
 * NUL and unpaired UTF-16 surrogates: valid in JSON (as the escapes \u0000 and \ud800) and in a query
 * string, but refused by Postgres's text and jsonb. Global: callers that replace them use it as it is.
 */
export const TEXT_POSTGRES_REFUSES = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const isRefusedText = (text: string) => {
  TEXT_POSTGRES_REFUSES.lastIndex = 0;
  return TEXT_POSTGRES_REFUSES.test(text);
};

/**
 * The first thing in a parsed request value (a JSON body, a query object) that must not reach a handler:
 * a forbidden key (also as a segment of a dotted key such as "payload.__proto__.x"), nesting deeper than
 * maxDepth, or a string (key or value) holding NUL or an unpaired surrogate. Null when there is none.
 * Never recurses deeper than maxDepth, so a hostile nesting cannot exhaust the stack.
 */
export function findUnsafeInput(value: unknown, maxDepth: number, path = '$', depth = 0): UnsafeInput | null {
  if (typeof value === 'string') return isRefusedText(value) ? { kind: 'invalid_string', path } : null;
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= maxDepth) return { kind: 'too_deep', path, maxDepth };
  // Own keys only, including a "__proto__" that JSON.parse made an own property.
  for (const key of Object.keys(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (isRefusedText(key)) return { kind: 'invalid_string', path: at };
    const forbidden = key.split('.').find(isForbiddenKey);
    if (forbidden !== undefined) return { kind: 'forbidden_key', path: at, key: forbidden };
    const found = findUnsafeInput((value as Record<string, unknown>)[key], maxDepth, at, depth + 1);
    if (found) return found;
  }
  return null;
}
