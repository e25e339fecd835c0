import { createHmac } from 'node:crypto';

/** The X-Hub-Signature-256 value GitHub would send for this body (for tests, the CLI and benchmarks). */
export function signGithubBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
