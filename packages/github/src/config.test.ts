import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GithubCredentialsError, githubCredentialsConfigShape, githubCredentialsOf } from './config.js';

const parse = (env: Record<string, string | undefined>) => z.object(githubCredentialsConfigShape).parse(env);

describe('githubCredentialsOf', () => {
  it('is null when nothing is set: GitHub is off', () => {
    expect(githubCredentialsOf(parse({}))).toBeNull();
  });

  it('takes the App over a token (only an App can create check runs), with the key’s \\n escapes read', () => {
    const credentials = githubCredentialsOf(
      parse({ GITHUB_TOKEN: 'ghp_x', GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: 'line1\\nline2' }),
    );
    expect(credentials).toEqual({ appId: '42', privateKey: 'line1\nline2' });
  });

  it('takes a token alone', () => {
    expect(githubCredentialsOf(parse({ GITHUB_TOKEN: 'ghp_x' }))).toEqual({ token: 'ghp_x' });
  });

  it.each([{ GITHUB_APP_ID: '42' }, { GITHUB_APP_PRIVATE_KEY: 'key', GITHUB_TOKEN: 'ghp_x' }])(
    'refuses half an App: %o',
    (env) => {
      expect(() => githubCredentialsOf(parse(env))).toThrow(GithubCredentialsError);
    },
  );
});
