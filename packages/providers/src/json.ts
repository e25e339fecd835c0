// JSON bodies from the outside: bounded nesting, no prototype keys, an object at the top.
import secureJson from 'secure-json-parse';
import type { ParseResult } from './provider.js';
import { reject } from './rejection.js';

/** Deeper than any real webhook payload; shallow enough that no consumer recursing over it overflows. */
export const MAX_JSON_DEPTH = 64;

// 'error' rather than 'remove': a payload carrying these keys is an attack or a bug, and silently dropping
// keys would store something other than what was signed.
const SECURE_JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Parses `text` as a JSON object. The depth is checked before JSON.parse runs, so a body of nested brackets
 * costs one linear scan instead of a deep parse.
 */
export function parseJsonObject(text: string): ParseResult {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return reject('invalid_payload', `payload is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, null, SECURE_JSON_OPTIONS);
  } catch {
    return reject('invalid_payload', describeRefusal(text));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject('invalid_payload', 'payload must be a JSON object');
  }
  return { ok: true, payload: parsed as Record<string, unknown> };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Counts open containers outside strings; it need not validate, JSON.parse does that next. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // Skip the character after a backslash: an escaped quote does not end the string.
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Runs only on refusal, so the second parse costs nothing on the accepted path. */
function describeRefusal(text: string): string {
  let plain: unknown;
  try {
    plain = JSON.parse(text.replace(/^\uFEFF/, '')); // secure-json-parse strips a BOM; do the same
  } catch {
    return 'payload is not valid JSON';
  }
  // Valid JSON that secure-json-parse refused: name the key it found.
  const hasProto = secureJson.scan(plain as object, { protoAction: 'error', constructorAction: 'ignore', safe: true });
  return hasProto === null ? 'payload has forbidden key __proto__' : 'payload has forbidden key constructor.prototype';
}
