import { describe, expect, it } from 'vitest';
import { findLinearIssueIdentifier } from './linear.js';

describe('findLinearIssueIdentifier', () => {
  it('finds an identifier in a title', () => {
    expect(findLinearIssueIdentifier('ENG-123: fix login redirect')).toBe('ENG-123');
  });

  it('finds one in a body when the title has none', () => {
    expect(findLinearIssueIdentifier('Fix login', 'Closes [ENG-42](https://linear.app/acme/issue/ENG-42)')).toBe(
      'ENG-42',
    );
  });

  it('finds one in a branch name, upper-cased', () => {
    expect(findLinearIssueIdentifier('Fix login', null, 'eng-123-fix-login')).toBe('ENG-123');
    expect(findLinearIssueIdentifier(undefined, 'mona/web2-7-dark-mode')).toBe('WEB2-7');
  });

  it('takes the first match in argument order', () => {
    expect(findLinearIssueIdentifier('Fix login', 'Refs OPS-9', 'eng-123-fix-login')).toBe('OPS-9');
    expect(findLinearIssueIdentifier('APP-1 and APP-2')).toBe('APP-1');
  });

  it('answers null when nothing names an issue', () => {
    expect(findLinearIssueIdentifier('Fix login', '', null, undefined, 'main')).toBeNull();
    expect(findLinearIssueIdentifier()).toBeNull();
  });

  it('ignores lower-case look-alikes in prose and malformed keys', () => {
    expect(findLinearIssueIdentifier('Handle utf-8 bodies and sha-256 digests')).toBeNull();
    expect(findLinearIssueIdentifier('TOOLONGKEY-1 and 1AB-2 and ENG-0 and ENG-12x')).toBeNull();
  });
});
