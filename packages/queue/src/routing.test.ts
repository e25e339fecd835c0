import { describe, expect, it } from 'vitest';
import { TASK_TYPES, eventJobId } from './catalog.js';
import { routeGithubEvent } from './routing.js';

const repository = { default_branch: 'main', full_name: 'octo/repo' };

describe('routeGithubEvent', () => {
  it.each([
    ['pull_request', 'opened', {}, 'validation', 'pull_request_analysis'],
    ['pull_request', 'synchronize', {}, 'validation', 'pull_request_analysis'],
    ['pull_request', 'reopened', {}, 'validation', 'pull_request_analysis'],
    ['pull_request', 'ready_for_review', {}, 'validation', 'pull_request_analysis'],
    ['pull_request', 'closed', {}, 'workflow', null],
    ['pull_request', 'labeled', {}, 'default', null],
    ['push', null, { ref: 'refs/heads/main', repository }, 'deployment', 'push_analysis'],
    ['push', null, { ref: 'refs/heads/feature', repository }, 'default', null],
    ['push', null, { ref: 'refs/tags/main', repository }, 'default', null],
    ['check_run', 'completed', { check_run: { conclusion: 'failure' } }, 'recovery', 'check_failure_analysis'],
    ['check_run', 'completed', { check_run: { conclusion: 'timed_out' } }, 'recovery', 'check_failure_analysis'],
    ['check_run', 'completed', { check_run: { conclusion: 'success' } }, 'default', null],
    ['check_run', 'created', { check_run: { conclusion: null } }, 'default', null],
    [
      'check_suite',
      'completed',
      { check_suite: { conclusion: 'cancelled' } },
      'recovery',
      'check_suite_failure_analysis',
    ],
    [
      'check_suite',
      'completed',
      { check_suite: { conclusion: 'action_required' } },
      'recovery',
      'check_suite_failure_analysis',
    ],
    ['check_suite', 'completed', { check_suite: { conclusion: 'neutral' } }, 'default', null],
    ['issue_comment', 'created', {}, 'workflow', null],
    ['pull_request_review', 'submitted', {}, 'workflow', null],
    ['pull_request_review_comment', 'created', {}, 'workflow', null],
    ['status', null, {}, 'workflow', null],
    ['workflow_run', 'completed', {}, 'workflow', null],
    ['ping', null, {}, 'default', null],
    ['installation', 'created', {}, 'default', null],
    ['installation_repositories', 'added', {}, 'default', null],
    ['star', 'created', {}, 'default', null],
  ])('%s %s -> %s / %s', (event, action, payload, queue, taskType) => {
    expect(routeGithubEvent(event, action, payload)).toEqual({ queue, taskType });
  });

  it('puts every task type on the queue the catalogue names for it', () => {
    const samples = [
      routeGithubEvent('pull_request', 'opened', {}),
      routeGithubEvent('push', null, { ref: 'refs/heads/main', repository }),
      routeGithubEvent('check_run', 'completed', { check_run: { conclusion: 'failure' } }),
      routeGithubEvent('check_suite', 'completed', { check_suite: { conclusion: 'failure' } }),
    ];
    for (const route of samples) expect(route.queue).toBe(TASK_TYPES[route.taskType!].queue);
  });
});

describe('eventJobId', () => {
  const id = '6f1c0b1e-2f1a-4c6e-9a43-0c1d2e3f4a5b';
  it('is the same for the same event and generation, and new for a reprocess or a retry', () => {
    expect(eventJobId(id)).toBe(eventJobId(id, 0, 0));
    const ids = new Set([eventJobId(id), eventJobId(id, 1), eventJobId(id, 1, 3), eventJobId(id, 2)]);
    expect(ids.size).toBe(4);
  });
  it('never contains a colon (BullMQ refuses them in custom ids)', () => {
    expect(eventJobId(id, 7, 2)).not.toContain(':');
  });
});
