// MAS (review_pull_request tasks). MAS answers later, signed, at callbackUrl (the admin app's
// /api/v1/mas/callback); the Idempotency-Key lets it drop a repeat submission of the same task.
import axios from 'axios';
import { traceHttpClient } from '@hookfleet/observability';

/** The MAS protocol version this client speaks, sent as protocol_version with each submission. */
const MAS_PROTOCOL_VERSION = '2.1';

export interface MasReviewPayload {
  type: string;
  priority: 'high';
  metadata: { repo: string; pr_number: number; title: string | null; author: string | null };
}

export interface MasTask {
  taskType: 'review_pull_request';
  payload: MasReviewPayload;
  callbackUrl: string;
  idempotencyKey: string;
}

export interface MasClient {
  submitTask(task: MasTask): Promise<{ taskId: string; response: unknown }>;
}

export function createMasClient(options: { baseUrl: string; apiKey?: string; timeoutMs: number }): MasClient {
  const http = traceHttpClient(
    axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {},
      maxRedirects: 0,
    }),
    'mas',
  );
  return {
    async submitTask(task) {
      const { data } = await http.post<Record<string, unknown> | null>(
        '/api/v1/tasks',
        {
          task_type: task.taskType,
          payload: task.payload,
          callback_url: task.callbackUrl,
          protocol_version: MAS_PROTOCOL_VERSION,
        },
        { headers: { 'Idempotency-Key': task.idempotencyKey } },
      );
      const taskId = data?.task_id;
      // The callback is matched on task_id: without it the result could never be recorded.
      if (typeof taskId !== 'string' || taskId === '') throw new Error('MAS answered without a task_id');
      return { taskId, response: data };
    },
  };
}
