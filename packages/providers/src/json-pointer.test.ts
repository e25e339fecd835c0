import { describe, expect, it } from 'vitest';
import { parseJsonPointer, valueAtPointer } from './json-pointer.js';

describe('JSON pointers (RFC 6901)', () => {
  // The examples of RFC 6901, section 5.
  const document = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  };
  const cases: Array<[string, unknown]> = [
    ['', document],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ];

  it('resolve the examples of RFC 6901', () => {
    for (const [pointer, expected] of cases) {
      expect(valueAtPointer(document, parseJsonPointer(pointer)!), pointer).toEqual(expected);
    }
  });

  it('refuse what is not a pointer', () => {
    for (const pointer of ['foo', '/a~2', '/a~', '#/foo']) expect(parseJsonPointer(pointer), pointer).toBeNull();
  });

  it('find nothing past the document: missing keys, bad or leading-zero indexes, inherited properties', () => {
    for (const pointer of [
      '/missing',
      '/foo/2',
      '/foo/01',
      '/foo/-',
      '/foo/length',
      '/constructor',
      '/__proto__',
      '/foo/0/0',
    ]) {
      expect(valueAtPointer(document, parseJsonPointer(pointer)!), pointer).toBeUndefined();
    }
  });
});
