// The GitHub credentials every app that calls GitHub's API reads (the admin's missed-delivery recovery, the
// worker's check runs), defined once: each app spreads the shape into its own config schema.
import { z } from 'zod';
import type { GithubCredentials } from './client.js';

export const githubCredentialsConfigShape = {
  /** A token (personal, fine-grained, or an installation's): repository and organization hooks, commit statuses. */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** A GitHub App: its own hook, and check runs through its installations. */
  GITHUB_APP_ID: z.string().regex(/^\d+$/, 'the App’s numeric id').optional(),
  /** PEM; "\n" escapes are read as newlines, so it fits in one env line. */
  GITHUB_APP_PRIVATE_KEY: z
    .string()
    .transform((value) => value.replace(/\\n/g, '\n'))
    .optional(),
} as const;

export interface GithubCredentialsConfig {
  GITHUB_TOKEN?: string | undefined;
  GITHUB_APP_ID?: string | undefined;
  GITHUB_APP_PRIVATE_KEY?: string | undefined;
}

/** An App id without its key (or a key without its id) is a mistake to stop at, not a token to fall back on. */
export class GithubCredentialsError extends Error {
  override name = 'GithubCredentialsError';
}

/**
 * The credentials configured, App first (only an App can create check runs), or null when none are. Half an
 * App (id or key alone) throws GithubCredentialsError.
 */
export function githubCredentialsOf(config: GithubCredentialsConfig): GithubCredentials | null {
  const { GITHUB_APP_ID: appId, GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_TOKEN: token } = config;
  if ((appId === undefined) !== (privateKey === undefined)) {
    throw new GithubCredentialsError('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY are set together or not at all');
  }
  if (appId !== undefined && privateKey !== undefined) return { appId, privateKey };
  return token !== undefined ? { token } : null;
}
