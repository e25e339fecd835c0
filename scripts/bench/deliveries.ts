// The signed deliveries the load sends: the one ~7 KB pull_request "opened" body the HTTP targets receive
// over and over, and, for the worker fleet, as many pull requests opened as it drains, each its own.
import { createHash } from 'node:crypto';
import { signGithubBody } from '@hookfleet/devkit';
import type { SignedDelivery } from './load.js';
import { pullRequestOpenedBody } from './payload.js';

export function signedDelivery(secret: string, body: Buffer): SignedDelivery {
  return { body, signature: signGithubBody(secret, body) };
}

interface PullRequestOpened {
  number: number;
  pull_request: { number: number; title: string; head: { sha: string } };
}

/**
 * `count` pull requests opened in one repository, numbered from 1, each with its own head commit: each is
 * a workflow of its own, so none waits behind another (the worker runs one workflow's events in order).
 */
export function pullRequestsOpened(secret: string, count: number): SignedDelivery[] {
  const template = JSON.parse(pullRequestOpenedBody()) as PullRequestOpened;
  return Array.from({ length: count }, (_, i) => {
    const payload = structuredClone(template);
    payload.number = i + 1;
    payload.pull_request.number = i + 1;
    payload.pull_request.title = `Bench change ${i + 1}`;
    payload.pull_request.head.sha = createHash('sha1')
      .update(`bench-${i + 1}`)
      .digest('hex');
    return signedDelivery(secret, Buffer.from(JSON.stringify(payload)));
  });
}
