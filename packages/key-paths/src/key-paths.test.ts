import { describe, expect, it } from 'vitest';
import { buildDocument, findUnsafeInput, parseDottedPath } from './key-paths.js';

describe('parseDottedPath', () => {
  it('splits a dotted path', () => {
    expect(parseDottedPath('pull_request.head.ref')).toEqual({ ok: true, segments: ['pull_request', 'head', 'ref'] });
  });

  it.each(['__proto__.x', 'a.constructor.prototype', 'a.prototype', 'a..b', ''])('refuses %j', (path) => {
    expect(parseDottedPath(path).ok).toBe(false);
  });
});

describe('buildDocument', () => {
  it('nests values and leaves Object.prototype alone even when handed a forbidden segment', () => {
    const document = buildDocument([
      [['pull_request', 'number'], 42],
      [['pull_request', 'state'], 'open'],
      [['__proto__', 'polluted'], 1],
    ]);
    expect(JSON.stringify(document)).toBe('{"pull_request":{"number":42,"state":"open"},"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(document)).toBeNull();
  });

  it('replaces a leaf that a longer path runs through', () => {
    expect(
      JSON.parse(
        JSON.stringify(
          buildDocument([
            [['a'], 1],
            [['a', 'b'], 2],
          ]),
        ),
      ),
    ).toEqual({ a: { b: 2 } });
  });
});

describe('findUnsafeInput', () => {
  it('passes ordinary input', () => {
    expect(findUnsafeInput({ filter: { payload: { 'installation.id': 1 } }, list: [1, 'two'] }, 8)).toBeNull();
  });

  it('finds a __proto__ key that JSON.parse made an own property', () => {
    expect(findUnsafeInput(JSON.parse('{"filter":{"__proto__":{"x":1}}}'), 8)).toEqual({
      kind: 'forbidden_key',
      path: '$.filter.__proto__',
      key: '__proto__',
    });
  });

  it('finds a forbidden segment inside a dotted key', () => {
    expect(findUnsafeInput({ 'payload.constructor.x': '1' }, 8)).toMatchObject({ kind: 'forbidden_key' });
  });

  it('stops at the depth limit without recursing further', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(findUnsafeInput(deep, 32)).toMatchObject({ kind: 'too_deep', maxDepth: 32 });
    expect(findUnsafeInput(JSON.parse('[[[1]]]'), 3)).toBeNull();
    expect(findUnsafeInput(JSON.parse('[[[[1]]]]'), 3)).toMatchObject({ kind: 'too_deep' });
  });

  it.each([
    ['nul', 'github\u0000'],
    ['lone high surrogate', 'a\ud800'],
    ['lone low surrogate', '\udc00b'],
  ])('finds a %s in a value or a key', (_name, text) => {
    expect(findUnsafeInput({ provider: text }, 8)).toEqual({ kind: 'invalid_string', path: '$.provider' });
    expect(findUnsafeInput({ [text]: 1 }, 8)).toMatchObject({ kind: 'invalid_string' });
  });

  it('accepts a paired surrogate (an emoji)', () => {
    expect(findUnsafeInput({ title: 'ship it \ud83d\ude80' }, 8)).toBeNull();
  });
});
