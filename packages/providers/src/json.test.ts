import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './json.js';

/** `depth` nested objects: {"a":{"a":{}}} is depth 3. */
function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

describe('parseJsonObject', () => {
  it('accepts a JSON object', () => {
    expect(parseJsonObject('{"zen":"ok","n":[1,{"b":null}]}')).toEqual({
      ok: true,
      payload: { zen: 'ok', n: [1, { b: null }] },
    });
  });

  it('accepts 64 levels of nesting and refuses 65, objects and arrays alike', () => {
    expect(parseJsonObject(nestedObjects(64)).ok).toBe(true);
    expect(parseJsonObject(nestedObjects(65))).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: 'payload is nested deeper than 64 levels',
    });
    // One object around 63 arrays is 64 levels; one more array is 65.
    expect(parseJsonObject('{"a":' + '['.repeat(63) + ']'.repeat(63) + '}').ok).toBe(true);
    expect(parseJsonObject('{"a":' + '['.repeat(64) + ']'.repeat(64) + '}')).toMatchObject({
      ok: false,
      message: 'payload is nested deeper than 64 levels',
    });
  });

  it('refuses absurd nesting by scanning, before JSON.parse could recurse', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(parseJsonObject(deep)).toMatchObject({ ok: false, message: 'payload is nested deeper than 64 levels' });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(parseJsonObject(JSON.stringify({ a: '['.repeat(500) + '{'.repeat(500) }))).toMatchObject({ ok: true });
    // If the escaped quote ended the string, the brackets after it would count as 100 levels.
    expect(parseJsonObject('{"a":"\\"' + '['.repeat(100) + '"}')).toEqual({
      ok: true,
      payload: { a: '"' + '['.repeat(100) },
    });
    expect(parseJsonObject('{"a":"\\\\", "b":' + nestedObjects(65) + '}')).toMatchObject({ ok: false });
  });

  it('refuses __proto__ keys, at any depth and however escaped, and leaves Object.prototype alone', () => {
    for (const text of [
      '{"__proto__":{"polluted":true}}',
      '{"a":{"b":[{"__proto__":{"polluted":true}}]}}',
      '{"\\u005f_proto__":{"polluted":true}}',
    ]) {
      expect(parseJsonObject(text)).toEqual({
        ok: false,
        code: 'invalid_payload',
        message: 'payload has forbidden key __proto__',
      });
    }
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses constructor.prototype and accepts the harmless look-alikes', () => {
    expect(parseJsonObject('{"constructor":{"prototype":{"polluted":true}}}')).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: 'payload has forbidden key constructor.prototype',
    });
    expect(parseJsonObject('{"constructor":"Foo","text":"\\"__proto__\\": {}"}')).toEqual({
      ok: true,
      payload: { constructor: 'Foo', text: '"__proto__": {}' },
    });
  });

  it('refuses arrays and scalars', () => {
    for (const text of ['[1,2]', '[]', '"text"', '42', 'true', 'null']) {
      expect(parseJsonObject(text)).toEqual({
        ok: false,
        code: 'invalid_payload',
        message: 'payload must be a JSON object',
      });
    }
  });

  it('refuses what is not JSON', () => {
    for (const text of ['{"zen":', '', "{'a':1}", '{"a":1}}']) {
      expect(parseJsonObject(text)).toEqual({
        ok: false,
        code: 'invalid_payload',
        message: 'payload is not valid JSON',
      });
    }
  });
});
