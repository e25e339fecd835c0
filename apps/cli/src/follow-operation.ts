// Polls a background operation (GET /api/v1/operations/:id) until it finishes, drawing its progress on
// stderr (cli-progress draws only on a TTY; elsewhere the final line is enough).
import { SingleBar } from 'cli-progress';
import { ApiError, type AdminClient } from './admin-client.js';

export interface OperationView {
  id: string;
  kind: string;
  state: string;
  progress: { total: number; done: number; skipped: number; failed: number; errors: string[] } | null;
  result: unknown;
  error_message: string | null;
}

const FINISHED = new Set(['completed', 'failed']);

export async function followOperation(
  client: AdminClient,
  operationId: string,
  options: { stream: NodeJS.WriteStream; intervalMs?: number },
): Promise<OperationView> {
  const bar = new SingleBar({
    stream: options.stream,
    format: 'operation {id} [{bar}] {value}/{total} done, {skipped} skipped, {failed} failed',
    hideCursor: true,
  });
  let started = false;
  try {
    for (;;) {
      const operation = await client.get<OperationView>(`/api/v1/operations/${encodeURIComponent(operationId)}`);
      const progress = operation.progress ?? { total: 0, done: 0, skipped: 0, failed: 0, errors: [] };
      const fields = { id: operation.id, skipped: progress.skipped, failed: progress.failed };
      if (!started) bar.start(progress.total, progress.done, fields);
      started = true;
      bar.setTotal(progress.total);
      bar.update(progress.done, fields);
      if (FINISHED.has(operation.state)) {
        bar.stop();
        if (operation.state === 'failed') {
          throw new ApiError(0, 'operation_failed', operation.error_message ?? `operation ${operation.id} failed`);
        }
        return operation;
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  } finally {
    if (started) bar.stop();
  }
}
