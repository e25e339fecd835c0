import { describe, expect, it } from 'vitest';
import { readSingleHeader, redactHeaders } from './headers.js';

describe('readSingleHeader', () => {
  it('reads one value, trimmed, and null when absent or blank', () => {
    expect(readSingleHeader({ 'x-a': ' v1 ' }, 'x-a')).toEqual({ ok: true, value: 'v1' });
    expect(readSingleHeader({ 'x-a': ['v1'] }, 'x-a')).toEqual({ ok: true, value: 'v1' });
    expect(readSingleHeader({}, 'x-a')).toEqual({ ok: true, value: null });
    expect(readSingleHeader({ 'x-a': '  ' }, 'x-a')).toEqual({ ok: true, value: null });
  });

  it('refuses a repeated header, as an array or as the value Node joined', () => {
    const duplicated = { ok: false, code: 'duplicated_header', message: 'x-a must appear once' };
    expect(readSingleHeader({ 'x-a': ['v1', 'v2'] }, 'x-a')).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'v1, v2' }, 'x-a')).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'v1,x v2,y' }, 'x-a', { joinedBy: ', ' })).toEqual({
      ok: true,
      value: 'v1,x v2,y',
    });
    expect(readSingleHeader({ 'x-a': 'v1,x, v2,y' }, 'x-a', { joinedBy: ', ' })).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'se, cret' }, 'x-a', { joinedBy: null })).toEqual({ ok: true, value: 'se, cret' });
    expect(readSingleHeader({ 'x-a': ['se', 'cret'] }, 'x-a', { joinedBy: null })).toEqual(duplicated);
  });
});

describe('redactHeaders', () => {
  it('hides every provider secret and signature header', () => {
    const stored = redactHeaders({
      'x-gitlab-token': 'gl-secret',
      'x-slack-signature': 'v0=abc',
      'linear-signature': 'abc',
      'webhook-signature': 'v1,abc',
      'webhook-id': 'msg_1',
    });
    expect(stored).toEqual({
      'x-gitlab-token': '[redacted]',
      'x-slack-signature': '[redacted]',
      'linear-signature': '[redacted]',
      'webhook-signature': '[redacted]',
      'webhook-id': 'msg_1',
    });
  });
});
