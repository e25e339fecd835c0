import { describe, expect, it } from 'vitest';
import { TASK_TYPES } from '@hookfleet/queue';
import { planEvent, planPriority } from './planners.js';
import { nextState, type WorkflowSignal, type WorkflowState } from './workflow-states.js';

const options = { botMention: '@hookfleet' };
const repository = { full_name: 'octo/repo', default_branch: 'main' };
const pr = (extra: Record<string, unknown> = {}) => ({
  number: 42,
  title: 'Fix ENG-7 login',
  html_url: 'https://github.com/octo/repo/pull/42',
  user: { login: 'ada' },
  head: { ref: 'eng-7-login', sha: 'abc123' },
  base: { ref: 'main' },
  merged: false,
  ...extra,
});
const github = (eventType: string, action: string | null, payload: Record<string, unknown>) =>
  planEvent({ provider: 'github', eventType, action, payload: { repository, ...payload } }, options);
const summary = (plan: ReturnType<typeof planEvent>) => ({
  queue: plan.queue,
  tasks: plan.tasks.map((task) => task.type),
  workflow: plan.workflow?.key ?? null,
  signal: plan.signal,
});

describe('the GitHub catalogue', () => {
  it.each([
    [
      'pull_request',
      'opened',
      { pull_request: pr() },
      'validation',
      ['pull_request_analysis', 'review_pull_request'],
      'github:octo/repo#42',
      'opened',
    ],
    [
      'pull_request',
      'synchronize',
      { pull_request: pr() },
      'validation',
      ['pull_request_analysis', 'review_pull_request'],
      'github:octo/repo#42',
      'updated',
    ],
    [
      'pull_request',
      'reopened',
      { pull_request: pr() },
      'validation',
      ['pull_request_analysis', 'review_pull_request'],
      'github:octo/repo#42',
      'reopened',
    ],
    [
      'pull_request',
      'ready_for_review',
      { pull_request: pr() },
      'validation',
      ['pull_request_analysis', 'review_pull_request'],
      'github:octo/repo#42',
      'updated',
    ],
    ['pull_request', 'closed', { pull_request: pr({ merged: true }) }, 'workflow', [], 'github:octo/repo#42', 'merged'],
    ['pull_request', 'closed', { pull_request: pr() }, 'workflow', [], 'github:octo/repo#42', 'closed'],
    ['pull_request', 'labeled', { pull_request: pr() }, 'workflow', [], 'github:octo/repo#42', null],
    [
      'pull_request_review',
      'submitted',
      { pull_request: pr(), review: { state: 'approved' } },
      'workflow',
      [],
      'github:octo/repo#42',
      'approved',
    ],
    [
      'pull_request_review',
      'submitted',
      { pull_request: pr(), review: { state: 'changes_requested' } },
      'workflow',
      [],
      'github:octo/repo#42',
      'changes_requested',
    ],
    [
      'push',
      null,
      { ref: 'refs/heads/main', after: 'f00' },
      'deployment',
      ['push_analysis', 'deployment'],
      'github:octo/repo@main',
      'pushed',
    ],
    ['push', null, { ref: 'refs/heads/feature', after: 'f00' }, 'workflow', [], 'github:octo/repo@feature', 'pushed'],
    [
      'push',
      null,
      { ref: 'refs/heads/feature', deleted: true },
      'workflow',
      [],
      'github:octo/repo@feature',
      'branch_deleted',
    ],
    ['push', null, { ref: 'refs/tags/v1' }, 'default', [], null, null],
    [
      'check_run',
      'completed',
      { check_run: { head_sha: 'abc123', conclusion: 'failure', pull_requests: [{ number: 42 }] } },
      'recovery',
      ['check_failure_analysis'],
      'github:octo/repo#42',
      'checks_failed',
    ],
    [
      'check_run',
      'completed',
      { check_run: { head_sha: 'abc123', conclusion: 'timed_out', pull_requests: [] } },
      'recovery',
      ['check_failure_analysis'],
      'github:octo/repo@sha:abc123',
      'checks_failed',
    ],
    [
      'check_run',
      'completed',
      {
        check_run: {
          head_sha: 'abc123',
          conclusion: 'failure',
          external_id: 'hookfleet:3f1c2a9e-0000-4000-8000-000000000001:g1',
          pull_requests: [{ number: 42 }],
        },
      },
      'workflow',
      [],
      'github:octo/repo#42',
      null,
    ],
    [
      'check_run',
      'completed',
      { check_run: { head_sha: 'abc123', conclusion: 'success', pull_requests: [{ number: 42 }] } },
      'workflow',
      [],
      'github:octo/repo#42',
      'checks_passed',
    ],
    [
      'check_run',
      'created',
      { check_run: { head_sha: 'abc123', conclusion: null, pull_requests: [] } },
      'workflow',
      [],
      'github:octo/repo@sha:abc123',
      null,
    ],
    [
      'check_suite',
      'completed',
      { check_suite: { head_sha: 'abc123', conclusion: 'cancelled', pull_requests: [] } },
      'recovery',
      ['check_suite_failure_analysis'],
      'github:octo/repo@sha:abc123',
      'checks_failed',
    ],
    [
      'check_suite',
      'completed',
      { check_suite: { head_sha: 'abc123', conclusion: 'action_required', pull_requests: [{ number: 42 }] } },
      'recovery',
      ['check_suite_failure_analysis'],
      'github:octo/repo#42',
      'checks_failed',
    ],
    [
      'check_suite',
      'completed',
      { check_suite: { head_sha: 'abc123', conclusion: 'neutral', pull_requests: [] } },
      'workflow',
      [],
      'github:octo/repo@sha:abc123',
      'checks_passed',
    ],
    [
      'issue_comment',
      'created',
      {
        issue: { number: 42, title: 't', pull_request: {} },
        comment: { body: '@HookFleet please fix the flaky test' },
      },
      'workflow',
      ['codegen_trigger'],
      'github:octo/repo#42',
      null,
    ],
    [
      'issue_comment',
      'created',
      { issue: { number: 42, title: 't', pull_request: {} }, comment: { body: 'looks good' } },
      'workflow',
      [],
      'github:octo/repo#42',
      null,
    ],
    [
      'issue_comment',
      'edited',
      { issue: { number: 42, title: 't', pull_request: {} }, comment: { body: '@hookfleet fix' } },
      'workflow',
      [],
      'github:octo/repo#42',
      null,
    ],
    [
      'issue_comment',
      'created',
      { issue: { number: 7, title: 't' }, comment: { body: '@hookfleet triage this' } },
      'workflow',
      ['codegen_trigger'],
      null,
      null,
    ],
    [
      'issue_comment',
      'created',
      { issue: { number: 7, title: 't' }, comment: { body: 'me too' } },
      'default',
      [],
      null,
      null,
    ],
    ['status', null, { sha: 'abc123', branches: [] }, 'workflow', [], 'github:octo/repo@sha:abc123', null],
    ['ping', null, {}, 'default', [], null, null],
    ['star', 'created', {}, 'default', [], null, null],
  ] as const)('%s %s', (event, action, payload, queue, tasks, workflow, signal) => {
    expect(summary(github(event, action, payload))).toEqual({ queue, tasks, workflow, signal });
  });

  it('carries what each task needs: the comment text for a user request, the head for an analysis', () => {
    const comment = github('issue_comment', 'created', {
      issue: { number: 42, title: 't', pull_request: {} },
      comment: { body: '@hookfleet rerun the migrations check', user: { login: 'ada' } },
    });
    expect(comment.tasks[0]).toMatchObject({
      prNumber: 42,
      input: { user_request: '@hookfleet rerun the migrations check', author: 'ada' },
    });
    const opened = github('pull_request', 'opened', { pull_request: pr() });
    expect(opened.tasks[0]).toMatchObject({
      prNumber: 42,
      branch: 'eng-7-login',
      commitSha: 'abc123',
      input: { title: 'Fix ENG-7 login' },
    });
    expect(opened.workflow).toMatchObject({ kind: 'pull_request', headSha: 'abc123', title: 'Fix ENG-7 login' });
  });

  it('keeps installations current', () => {
    const plan = github('installation_repositories', 'added', {
      installation: { id: 9, account: { login: 'octo', type: 'Organization' } },
      repositories_added: [{ full_name: 'octo/new' }],
      repositories_removed: [],
    });
    expect(plan.installation).toMatchObject({
      id: 9,
      account: 'octo',
      added: ['octo/new'],
      removed: [],
      action: 'added',
    });
  });

  it('puts every event job on its tasks queue, at its most urgent task priority', () => {
    const plans = [
      github('pull_request', 'opened', { pull_request: pr() }),
      github('push', null, { ref: 'refs/heads/main' }),
      github('check_run', 'completed', { check_run: { head_sha: 'a', conclusion: 'failure', pull_requests: [] } }),
    ];
    for (const plan of plans) {
      for (const task of plan.tasks) expect(TASK_TYPES[task.type].queue).toBe(plan.queue);
      expect(planPriority(plan)).toBe(Math.min(...plan.tasks.map((task) => TASK_TYPES[task.type].priority)));
    }
  });
});

describe('the GitLab catalogue', () => {
  const project = { path_with_namespace: 'group/app', default_branch: 'main' };
  const gitlab = (eventType: string, action: string | null, payload: Record<string, unknown>) =>
    summary(planEvent({ provider: 'gitlab', eventType, action, payload: { project, ...payload } }, options));

  it.each([
    [
      'merge_request',
      'open',
      { object_attributes: { iid: 3, source_branch: 'f', last_commit: { id: 'c1' } } },
      'validation',
      ['pull_request_analysis', 'review_pull_request'],
      'gitlab:group/app!3',
      'opened',
    ],
    ['merge_request', 'merge', { object_attributes: { iid: 3 } }, 'workflow', [], 'gitlab:group/app!3', 'merged'],
    [
      'push',
      null,
      { ref: 'refs/heads/main', after: 'c2', checkout_sha: 'c2' },
      'deployment',
      ['push_analysis', 'deployment'],
      'gitlab:group/app@main',
      'pushed',
    ],
    [
      'pipeline',
      null,
      { object_attributes: { sha: 'c1', status: 'failed', id: 5 }, merge_request: { iid: 3 } },
      'recovery',
      ['check_suite_failure_analysis'],
      'gitlab:group/app!3',
      'checks_failed',
    ],
    [
      'pipeline',
      null,
      { object_attributes: { sha: 'c1', status: 'success' } },
      'workflow',
      [],
      'gitlab:group/app@sha:c1',
      'checks_passed',
    ],
    [
      'note',
      null,
      { object_attributes: { note: '@hookfleet fix it' }, merge_request: { iid: 3 } },
      'workflow',
      ['codegen_trigger'],
      'gitlab:group/app!3',
      null,
    ],
  ] as const)('%s %s', (event, action, payload, queue, tasks, workflow, signal) => {
    expect(gitlab(event, action, payload)).toEqual({ queue, tasks, workflow, signal });
  });

  it('stores what has no counterpart (Linear, Slack) on the default queue', () => {
    expect(
      summary(planEvent({ provider: 'linear', eventType: 'Issue', action: 'create', payload: {} }, options)),
    ).toEqual({
      queue: 'default',
      tasks: [],
      workflow: null,
      signal: null,
    });
  });
});

describe('the workflow state machine', () => {
  const run = (start: WorkflowState, ...signals: WorkflowSignal[]) => signals.reduce(nextState, start);

  it('follows a pull request from opened to merged', () => {
    expect(run('open', 'checks_failed')).toBe('checks_failed');
    expect(run('open', 'checks_failed', 'checks_passed')).toBe('checks_failed');
    expect(run('open', 'checks_failed', 'updated', 'checks_passed', 'approved', 'merged')).toBe('merged');
  });

  it('ignores what no longer applies, except a reopen', () => {
    expect(run('merged', 'checks_failed', 'approved', 'updated')).toBe('merged');
    expect(run('closed', 'reopened')).toBe('open');
    expect(run('merged', 'reopened')).toBe('merged');
  });

  it('closes a branch workflow when the branch is deleted, and revives it on a new push', () => {
    expect(run('active', 'pushed', 'branch_deleted')).toBe('closed');
    expect(run('active', 'branch_deleted', 'pushed')).toBe('active');
  });
});
