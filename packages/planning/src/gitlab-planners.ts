// GitLab's event kinds in the planner catalogue, mapped onto GitHub's counterparts: a merge request is
// a pull request, a pipeline is a check suite. Payload fields as GitLab documents them ("Webhook events").
import type { QueueName } from '@hookfleet/queue';
import { mentionsBot, recordOnly, type EventPlan, type EventPlanner, type WorkflowRef } from './plan.js';
import type { WorkflowSignal } from './workflow-states.js';

interface GitlabPayload {
  project?: { path_with_namespace?: string; default_branch?: string };
  user?: { username?: string };
  user_username?: string;
  ref?: string;
  before?: string;
  after?: string;
  checkout_sha?: string | null;
  total_commits_count?: number;
  merge_request?: { iid?: number; source_branch?: string; title?: string; last_commit?: { id?: string } };
  object_attributes?: {
    iid?: number;
    title?: string;
    url?: string;
    action?: string;
    state?: string;
    source_branch?: string;
    target_branch?: string;
    last_commit?: { id?: string };
    status?: string;
    sha?: string;
    ref?: string;
    note?: string;
    noteable_type?: string;
    id?: number;
  };
}

const MERGE_REQUEST_SIGNALS: Record<string, WorkflowSignal> = {
  open: 'opened',
  reopen: 'reopened',
  update: 'updated',
  approved: 'approved',
  merge: 'merged',
  close: 'closed',
};
const FAILING_PIPELINE_STATUSES = new Set(['failed', 'canceled']);

function mergeRequestRef(repository: string, iid: number, branch?: string, sha?: string, title?: string): WorkflowRef {
  return {
    key: `gitlab:${repository}!${iid}`,
    kind: 'pull_request',
    repository,
    prNumber: iid,
    branch: branch ?? null,
    headSha: sha ?? null,
    title: title ?? null,
  };
}

function plan(queue: QueueName, parts: Partial<EventPlan>): EventPlan {
  return { ...recordOnly(queue), ...parts };
}

const mergeRequest: EventPlanner = ({ action, payload }) => {
  const { project, object_attributes: mr, user } = payload as GitlabPayload;
  const repository = project?.path_with_namespace;
  if (!repository || mr?.iid === undefined) return recordOnly();
  const workflow = mergeRequestRef(repository, mr.iid, mr.source_branch, mr.last_commit?.id, mr.title);
  const signal = action ? (MERGE_REQUEST_SIGNALS[action] ?? null) : null;
  if (signal !== 'opened' && signal !== 'reopened' && signal !== 'updated')
    return plan('workflow', { workflow, signal });
  const input = {
    title: mr.title ?? null,
    author: user?.username ?? null,
    base: mr.target_branch ?? null,
    url: mr.url,
  };
  const ref = { prNumber: mr.iid, branch: workflow.branch, commitSha: workflow.headSha };
  return plan('validation', {
    workflow,
    signal,
    tasks: [
      { type: 'pull_request_analysis', ...ref, input },
      { type: 'review_pull_request', ...ref, input },
    ],
  });
};

const push: EventPlanner = ({ payload }) => {
  const { project, ref, before, after, checkout_sha, total_commits_count, user_username } = payload as GitlabPayload;
  const repository = project?.path_with_namespace;
  if (!repository || !ref?.startsWith('refs/heads/')) return recordOnly();
  const branch = ref.slice('refs/heads/'.length);
  const deleted = checkout_sha === null || /^0+$/.test(after ?? '');
  const workflow: WorkflowRef = {
    key: `gitlab:${repository}@${branch}`,
    kind: 'branch',
    repository,
    prNumber: null,
    branch,
    headSha: deleted ? null : (after ?? null),
    title: null,
  };
  if (deleted) return plan('workflow', { workflow, signal: 'branch_deleted' });
  if (branch !== project?.default_branch) return plan('workflow', { workflow, signal: 'pushed' });
  const input = { before, after, commits: total_commits_count ?? 0, pusher: user_username ?? null };
  const ref_ = { prNumber: null, branch, commitSha: after ?? null };
  return plan('deployment', {
    workflow,
    signal: 'pushed',
    tasks: [
      { type: 'push_analysis', ...ref_, input },
      { type: 'deployment', ...ref_, input },
    ],
  });
};

const pipeline: EventPlanner = ({ payload }) => {
  const { project, object_attributes: run, merge_request } = payload as GitlabPayload;
  const repository = project?.path_with_namespace;
  if (!repository || !run?.sha) return recordOnly();
  const workflow: WorkflowRef =
    merge_request?.iid !== undefined
      ? mergeRequestRef(repository, merge_request.iid, merge_request.source_branch, run.sha, merge_request.title)
      : {
          key: `gitlab:${repository}@sha:${run.sha}`,
          kind: 'commit',
          repository,
          prNumber: null,
          branch: run.ref ?? null,
          headSha: run.sha,
          title: null,
        };
  if (run.status === 'success') return plan('workflow', { workflow, signal: 'checks_passed' });
  if (!run.status || !FAILING_PIPELINE_STATUSES.has(run.status)) return plan('workflow', { workflow });
  const input = { conclusion: run.status, pipeline_id: run.id ?? null, app: 'gitlab-ci' };
  return plan('recovery', {
    workflow,
    signal: 'checks_failed',
    tasks: [
      {
        type: 'check_suite_failure_analysis',
        prNumber: workflow.prNumber,
        branch: workflow.branch,
        commitSha: run.sha,
        input,
      },
    ],
  });
};

/** Comments: on a merge request they join its workflow; addressed to the bot, they become a request. */
const note: EventPlanner = ({ payload }, options) => {
  const { project, object_attributes: comment, merge_request, user } = payload as GitlabPayload;
  const repository = project?.path_with_namespace;
  if (!repository || !comment) return recordOnly();
  const workflow =
    merge_request?.iid !== undefined
      ? mergeRequestRef(repository, merge_request.iid, merge_request.source_branch, undefined, merge_request.title)
      : null;
  if (!mentionsBot(comment.note, options.botMention)) return workflow ? plan('workflow', { workflow }) : recordOnly();
  return plan('workflow', {
    workflow,
    tasks: [
      {
        type: 'codegen_trigger',
        prNumber: workflow?.prNumber ?? null,
        branch: workflow?.branch ?? null,
        commitSha: null,
        input: { user_request: comment.note, author: user?.username ?? null, comment_url: comment.url ?? null },
      },
    ],
  });
};

export const GITLAB_PLANNERS: Record<string, EventPlanner> = {
  merge_request: mergeRequest,
  push,
  pipeline,
  note,
};
