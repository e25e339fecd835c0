// What a task needs to know about its event, read once from the stored GitHub payload.
import type {
  CheckRunCompletedEvent,
  CheckSuiteCompletedEvent,
  PullRequestEvent,
  PushEvent,
} from '@octokit/webhooks-types';
import type { TaskType } from '@hookfleet/queue';

export interface TaskContext {
  prNumber: number | null;
  branch: string | null;
  commitSha: string | null;
  input: Record<string, unknown>;
}

export function taskContextOf(taskType: TaskType, payload: unknown): TaskContext {
  switch (taskType) {
    case 'pull_request_analysis': {
      const pr = (payload as Partial<PullRequestEvent>).pull_request;
      return {
        prNumber: pr?.number ?? null,
        branch: pr?.head?.ref ?? null,
        commitSha: pr?.head?.sha ?? null,
        input: {
          title: pr?.title ?? null,
          author: pr?.user?.login ?? null,
          base: pr?.base?.ref ?? null,
          url: pr?.html_url ?? null,
        },
      };
    }
    case 'push_analysis': {
      const push = payload as Partial<PushEvent>;
      return {
        prNumber: null,
        branch: push.ref?.replace(/^refs\/heads\//, '') ?? null,
        commitSha: push.after ?? null,
        input: { before: push.before ?? null, commits: push.commits?.length ?? 0, pusher: push.pusher?.name ?? null },
      };
    }
    case 'check_failure_analysis': {
      const run = (payload as Partial<CheckRunCompletedEvent>).check_run;
      return {
        prNumber: run?.pull_requests?.[0]?.number ?? null,
        branch: run?.check_suite?.head_branch ?? null,
        commitSha: run?.head_sha ?? null,
        input: { name: run?.name ?? null, conclusion: run?.conclusion ?? null, details_url: run?.details_url ?? null },
      };
    }
    case 'check_suite_failure_analysis': {
      const suite = (payload as Partial<CheckSuiteCompletedEvent>).check_suite;
      return {
        prNumber: suite?.pull_requests?.[0]?.number ?? null,
        branch: suite?.head_branch ?? null,
        commitSha: suite?.head_sha ?? null,
        input: { conclusion: suite?.conclusion ?? null, app: suite?.app?.slug ?? null },
      };
    }
  }
}
