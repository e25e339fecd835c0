// JSON bodies from the outside: bounded nesting, no prototype keys, an object at the top.
import { TEXT_POSTGRES_REFUSES } from '@hookfleet/key-paths';
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

/** In JSON text, only an escape can produce NUL or a surrogate (raw ones are invalid JSON or invalid UTF-8). */
const MAY_HOLD_REFUSED_TEXT = /\\u(0000|[dD][89a-fA-F])/;
const REPLACEMENT = '\uFFFD';

/**
 * The parsed body made storable as jsonb: NUL and unpaired surrogates, which senders do emit in titles,
 * bodies and commit messages and which jsonb refuses, become U+FFFD in keys and strings. `sanitized` says
 * whether anything changed; the raw body keeps the exact bytes. Changes `payload` in place (it is the
 * caller's fresh parse); nothing to walk unless the text holds such an escape.
 */
export function toStorableJson(payload: Record<string, unknown>, text: string): { sanitized: boolean } {
  if (!MAY_HOLD_REFUSED_TEXT.test(text)) return { sanitized: false };
  return { sanitized: replaceRefusedText(payload) };
}

function replaceRefusedText(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  let changed = false;
  const container = node as Record<string, unknown>;
  for (const key of Object.keys(container)) {
    const value = container[key];
    if (typeof value === 'string') {
      const safe = value.replace(TEXT_POSTGRES_REFUSES, REPLACEMENT);
      if (safe !== value) {
        container[key] = safe;
        changed = true;
      }
    } else if (replaceRefusedText(value)) {
      changed = true;
    }
    const safeKey = key.replace(TEXT_POSTGRES_REFUSES, REPLACEMENT);
    if (safeKey !== key) {
      container[safeKey] = container[key];
      delete container[key];
      changed = true;
    }
  }
  return changed;
}
