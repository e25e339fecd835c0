// Carries out one task through its downstream (the catalogue names it), exactly once per job through the
// side-effect ledger. A task whose downstream is not configured is recorded as done without a call.
import { TASK_TYPES, type TaskType } from '@hookfleet/queue';
import type { Downstreams } from './downstreams.js';
import type { SideEffectLedger } from './side-effects.js';

export interface RunnableTask {
  id: string;
  taskType: TaskType;
  eventId: string;
  repository: string | null;
  prNumber: number | null;
  branch: string | null;
  commitSha: string | null;
  input: Record<string, unknown>;
}

export interface TaskRunResult {
  externalTaskId: string | null;
  externalTaskUrl: string | null;
  output: Record<string, unknown>;
  /** MAS answers later, at the callback; the task stays running until then. */
  awaitingCallback: boolean;
}

interface Submission {
  id: string | null;
  url: string | null;
  response: unknown;
}

export async function runTask(
  deps: { downstreams: Downstreams; ledger: SideEffectLedger },
  task: RunnableTask,
  jobId: string,
): Promise<TaskRunResult> {
  const downstream = TASK_TYPES[task.taskType].downstream;
  // Per job: a re-run of this job repeats nothing; an operator's retry (a new job id) submits again.
  const key = `task:${task.id}:${jobId}:${downstream}`;
  const once = (call: () => Promise<Submission>) =>
    deps.ledger.once(
      { key, kind: `${downstream}.submit`, eventId: task.eventId, taskId: task.id, downstreamDedupes: true },
      call,
    );
  const recorded = (submission: Submission, awaitingCallback = false): TaskRunResult => ({
    externalTaskId: submission.id,
    externalTaskUrl: submission.url,
    output: { [downstream]: submission.response },
    awaitingCallback,
  });

  switch (downstream) {
    case 'agentapi': {
      const client = deps.downstreams.agentapi;
      if (!client) return notConfigured('AGENTAPI_BASE_URL');
      const outcome = await once(async () => {
        const answer = await client.submitTask({ ...task, taskId: task.id, idempotencyKey: key });
        return { id: answer.externalTaskId, url: answer.externalTaskUrl, response: answer.response };
      });
      return recorded(outcome.result as Submission);
    }
    case 'mas': {
      const mas = deps.downstreams.mas;
      if (!mas) return notConfigured('MAS_BASE_URL and MAS_CALLBACK_URL');
      const outcome = await once(async () => {
        const answer = await mas.client.submitTask({
          taskType: 'review_pull_request',
          payload: {
            type: 'review_pull_request',
            priority: 'high',
            metadata: {
              repo: task.repository ?? '',
              pr_number: task.prNumber ?? 0,
              title: stringOrNull(task.input.title),
              author: stringOrNull(task.input.author),
            },
          },
          callbackUrl: mas.callbackUrl,
          idempotencyKey: key,
        });
        return { id: answer.taskId, url: null, response: answer.response };
      });
      return recorded(outcome.result as Submission, true);
    }
    case 'codegen': {
      const client = deps.downstreams.codegen;
      if (!client) return notConfigured('CODEGEN_BASE_URL, CODEGEN_TOKEN and CODEGEN_ORG_ID');
      const outcome = await once(async () => {
        const run = await client.createAgentRun({
          prompt: codegenPrompt(task),
          idempotencyKey: key,
          metadata: { task_id: task.id, repository: task.repository, pr_number: task.prNumber },
        });
        return { id: run.id, url: run.url, response: run.response };
      });
      return recorded(outcome.result as Submission);
    }
  }
}

function notConfigured(settings: string): TaskRunResult {
  return {
    externalTaskId: null,
    externalTaskUrl: null,
    output: { note: `${settings} not set: recorded only` },
    awaitingCallback: false,
  };
}

const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

/** The user's words, with where they were said. */
function codegenPrompt(task: RunnableTask): string {
  const where = task.prNumber ? `${task.repository}#${task.prNumber}` : (task.repository ?? 'unknown repository');
  return `${String(task.input.user_request ?? '')}\n\n(requested by ${String(task.input.author ?? 'someone')} on ${where})`;
}
