// AgentAPI: where analysis tasks are carried out. One POST per task attempt, keyed by its side-effect key
// so that AgentAPI can drop a repeat after a crash between its answer and our commit.
import axios, { type AxiosInstance } from 'axios';
import { traceHttpClient } from '@hookfleet/observability';

export interface AgentTask {
  taskId: string;
  /** The side-effect key of this submission: AgentAPI drops a repeat of it. */
  idempotencyKey: string;
  taskType: string;
  eventId: string;
  repository: string | null;
  prNumber: number | null;
  branch: string | null;
  commitSha: string | null;
  input: unknown;
}

export interface AgentSubmission {
  externalTaskId: string | null;
  externalTaskUrl: string | null;
  response: unknown;
}

export interface AgentApiClient {
  submitTask(task: AgentTask): Promise<AgentSubmission>;
}

export function createAgentApiClient(options: { baseUrl: string; apiKey?: string; timeoutMs: number }): AgentApiClient {
  const http: AxiosInstance = traceHttpClient(
    axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {},
      maxRedirects: 0,
    }),
    'agentapi',
  );
  return {
    async submitTask(task) {
      const { data } = await http.post<Record<string, unknown>>(
        '/api/v1/tasks',
        {
          task_id: task.taskId,
          task_type: task.taskType,
          event_id: task.eventId,
          repository: task.repository,
          pr_number: task.prNumber,
          branch: task.branch,
          commit_sha: task.commitSha,
          input: task.input,
        },
        { headers: { 'Idempotency-Key': task.idempotencyKey } },
      );
      const id = data?.id ?? data?.task_id;
      return {
        externalTaskId: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
        externalTaskUrl: typeof data?.url === 'string' ? data.url : null,
        response: data ?? null,
      };
    },
  };
}
