// GitHub's event kinds in the planner catalogue (see planners.ts).
import type {
  CheckRunEvent,
  CheckSuiteEvent,
  InstallationEvent,
  InstallationRepositoriesEvent,
  IssueCommentEvent,
  PullRequestEvent,
  PullRequestReviewEvent,
  PushEvent,
  StatusEvent,
  WorkflowRunEvent,
} from '@octokit/webhooks-types';
import type { QueueName, TaskType } from '@hookfleet/queue';
import {
  mentionsBot,
  recordOnly,
  type EventPlan,
  type EventPlanner,
  type InstallationChange,
  type PlannedTask,
  type WorkflowRef,
} from './plan.js';
import type { WorkflowSignal } from './workflow-states.js';

/** check_run / check_suite conclusions that call for recovery. */
const FAILING_CHECK_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled', 'action_required']);
const PASSING_CHECK_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);

/**
 * The external_id prefix of the check runs Hookfleet reports on pull requests itself. Their events are
 * recorded on the workflow and plan no task: Hookfleet's own failed check must not start a check-failure
 * analysis of itself.
 */
export const OWN_CHECK_RUN_ID_PREFIX = 'hookfleet:';

const PULL_REQUEST_SIGNALS: Record<string, WorkflowSignal> = {
  opened: 'opened',
  reopened: 'reopened',
  synchronize: 'updated',
  ready_for_review: 'updated',
};

function pullRequestRef(repository: string, number: number, head?: { ref?: string; sha?: string }, title?: string) {
  return {
    key: `github:${repository}#${number}`,
    kind: 'pull_request',
    repository,
    prNumber: number,
    branch: head?.ref ?? null,
    headSha: head?.sha ?? null,
    title: title ?? null,
  } satisfies WorkflowRef;
}

function branchRef(repository: string, branch: string, headSha: string | null): WorkflowRef {
  return {
    key: `github:${repository}@${branch}`,
    kind: 'branch',
    repository,
    prNumber: null,
    branch,
    headSha,
    title: null,
  };
}

/** Checks GitHub could not tie to a pull request (forks): correlated by head SHA in the worker. */
function commitRef(repository: string, headSha: string, branch: string | null): WorkflowRef {
  return {
    key: `github:${repository}@sha:${headSha}`,
    kind: 'commit',
    repository,
    prNumber: null,
    branch,
    headSha,
    title: null,
  };
}

function plan(queue: QueueName, parts: Partial<EventPlan>): EventPlan {
  return { ...recordOnly(queue), ...parts };
}

function task(type: TaskType, ref: WorkflowRef | null, input: Record<string, unknown>): PlannedTask {
  return { type, prNumber: ref?.prNumber ?? null, branch: ref?.branch ?? null, commitSha: ref?.headSha ?? null, input };
}

const pullRequest: EventPlanner = ({ action, payload }) => {
  const { pull_request: pr, repository } = payload as PullRequestEvent;
  if (!pr || !repository) return recordOnly();
  const workflow = pullRequestRef(repository.full_name, pr.number, pr.head, pr.title);
  const signal = action ? PULL_REQUEST_SIGNALS[action] : undefined;
  if (signal) {
    const input = { title: pr.title, author: pr.user?.login ?? null, base: pr.base?.ref ?? null, url: pr.html_url };
    return plan('validation', {
      workflow,
      signal,
      tasks: [task('pull_request_analysis', workflow, input), task('review_pull_request', workflow, input)],
    });
  }
  if (action === 'closed') return plan('workflow', { workflow, signal: pr.merged ? 'merged' : 'closed' });
  return plan('workflow', { workflow });
};

const pullRequestReview: EventPlanner = ({ action, payload }) => {
  const { pull_request: pr, review, repository } = payload as PullRequestReviewEvent;
  if (!pr || !repository) return recordOnly();
  const workflow = pullRequestRef(repository.full_name, pr.number, pr.head, pr.title);
  const state = review?.state?.toLowerCase();
  const signal =
    action === 'submitted' && state === 'approved'
      ? 'approved'
      : action === 'submitted' && state === 'changes_requested'
        ? 'changes_requested'
        : null;
  return plan('workflow', { workflow, signal });
};

/** Review comments and threads: recorded on the pull request's workflow. */
const pullRequestActivity: EventPlanner = ({ payload }) => {
  const { pull_request: pr, repository } = payload as PullRequestReviewEvent;
  if (!pr || !repository) return recordOnly();
  return plan('workflow', { workflow: pullRequestRef(repository.full_name, pr.number, pr.head, pr.title) });
};

const push: EventPlanner = ({ payload }) => {
  const { ref, repository, deleted, after, before, commits, pusher } = payload as PushEvent;
  if (!repository || !ref?.startsWith('refs/heads/')) return recordOnly(); // tags
  const branch = ref.slice('refs/heads/'.length);
  const workflow = branchRef(repository.full_name, branch, deleted ? null : after);
  if (deleted) return plan('workflow', { workflow, signal: 'branch_deleted' });
  if (branch !== repository.default_branch) return plan('workflow', { workflow, signal: 'pushed' });
  const input = { before, after, commits: commits?.length ?? 0, pusher: pusher?.name ?? null };
  return plan('deployment', {
    workflow,
    signal: 'pushed',
    tasks: [task('push_analysis', workflow, input), task('deployment', workflow, input)],
  });
};

/** A check's workflow: its pull request when GitHub names one, else its commit. */
function checkRef(
  repository: string,
  headSha: string,
  branch: string | null,
  pullRequests: Array<{ number: number }> | undefined,
): WorkflowRef {
  const number = pullRequests?.[0]?.number;
  return number !== undefined
    ? { ...pullRequestRef(repository, number, { ref: branch ?? undefined, sha: headSha }), title: null }
    : commitRef(repository, headSha, branch);
}

function checkSignal(action: string | null, conclusion: string | null | undefined): WorkflowSignal | null {
  if (action !== 'completed' || !conclusion) return null;
  if (FAILING_CHECK_CONCLUSIONS.has(conclusion)) return 'checks_failed';
  return PASSING_CHECK_CONCLUSIONS.has(conclusion) ? 'checks_passed' : null;
}

const checkRun: EventPlanner = ({ action, payload }) => {
  const { check_run: run, repository } = payload as CheckRunEvent;
  if (!run || !repository) return recordOnly();
  const workflow = checkRef(
    repository.full_name,
    run.head_sha,
    run.check_suite?.head_branch ?? null,
    run.pull_requests,
  );
  if (run.external_id?.startsWith(OWN_CHECK_RUN_ID_PREFIX)) return plan('workflow', { workflow });
  const signal = checkSignal(action, run.conclusion);
  if (signal !== 'checks_failed') return plan('workflow', { workflow, signal });
  const input = { name: run.name, conclusion: run.conclusion, details_url: run.details_url ?? null };
  return plan('recovery', { workflow, signal, tasks: [task('check_failure_analysis', workflow, input)] });
};

const checkSuite: EventPlanner = ({ action, payload }) => {
  const { check_suite: suite, repository } = payload as CheckSuiteEvent;
  if (!suite || !repository) return recordOnly();
  const workflow = checkRef(repository.full_name, suite.head_sha, suite.head_branch ?? null, suite.pull_requests);
  const signal = checkSignal(action, suite.conclusion);
  if (signal !== 'checks_failed') return plan('workflow', { workflow, signal });
  const input = { conclusion: suite.conclusion, app: suite.app?.slug ?? null };
  return plan('recovery', { workflow, signal, tasks: [task('check_suite_failure_analysis', workflow, input)] });
};

const issueComment: EventPlanner = ({ action, payload }, options) => {
  const { issue, comment, repository } = payload as IssueCommentEvent;
  if (!issue || !repository) return recordOnly();
  const workflow = issue.pull_request
    ? pullRequestRef(repository.full_name, issue.number, undefined, issue.title)
    : null;
  if (action !== 'created' || !mentionsBot(comment?.body, options.botMention)) {
    return workflow ? plan('workflow', { workflow }) : recordOnly();
  }
  const input = {
    user_request: comment.body,
    author: comment.user?.login ?? null,
    comment_url: comment.html_url ?? null,
    issue_number: issue.number,
    title: issue.title,
  };
  const ref = workflow ?? { prNumber: null, branch: null, headSha: null };
  return plan('workflow', {
    workflow,
    tasks: [{ type: 'codegen_trigger', prNumber: ref.prNumber, branch: ref.branch, commitSha: ref.headSha, input }],
  });
};

const status: EventPlanner = ({ payload }) => {
  const { sha, repository, branches } = payload as StatusEvent;
  if (!sha || !repository) return recordOnly();
  return plan('workflow', { workflow: commitRef(repository.full_name, sha, branches?.[0]?.name ?? null) });
};

const workflowRun: EventPlanner = ({ payload }) => {
  const { workflow_run: run, repository } = payload as WorkflowRunEvent;
  if (!run || !repository) return recordOnly();
  return plan('workflow', {
    workflow: checkRef(repository.full_name, run.head_sha, run.head_branch ?? null, run.pull_requests),
  });
};

/** installation and installation_repositories: the App installation and which repositories it reaches. */
function installationPlan(
  action: string | null,
  inst: InstallationEvent['installation'] | undefined,
  repositories: Pick<InstallationChange, 'repositories' | 'added' | 'removed'>,
): EventPlan {
  if (!inst?.account || !action) return recordOnly();
  const account = { id: inst.id, account: inst.account.login ?? '', accountType: inst.account.type ?? null };
  return plan('default', { installation: { ...account, ...repositories, action } });
}

const installation: EventPlanner = ({ action, payload }) => {
  const { installation: inst, repositories } = payload as InstallationEvent;
  return installationPlan(action, inst, {
    repositories: action === 'created' ? (repositories ?? []).map((repo) => repo.full_name) : null,
    added: [],
    removed: [],
  });
};

const installationRepositories: EventPlanner = ({ action, payload }) => {
  const event = payload as InstallationRepositoriesEvent;
  return installationPlan(action, event.installation, {
    repositories: null,
    added: (event.repositories_added ?? []).map((repo) => repo.full_name),
    removed: (event.repositories_removed ?? []).map((repo) => repo.full_name ?? ''),
  });
};

export const GITHUB_PLANNERS: Record<string, EventPlanner> = {
  pull_request: pullRequest,
  pull_request_review: pullRequestReview,
  pull_request_review_comment: pullRequestActivity,
  pull_request_review_thread: pullRequestActivity,
  push,
  check_run: checkRun,
  check_suite: checkSuite,
  issue_comment: issueComment,
  status,
  workflow_run: workflowRun,
  installation,
  installation_repositories: installationRepositories,
  ping: () => recordOnly(),
};
