// Transform-mode sources: the payload passed through the source's JSONata expression, in a sandbox. An
// expression is operator code run on sender data: a recursion can loop for ever (JSONata evaluates on
// promises, so it starves the event loop: no health checks, no SIGTERM), a range can allocate gigabytes.
// So each evaluation runs in a child process with a capped heap, killed at a deadline, and its result is
// refused above a size; a limit hit is the expression's fault, never the process's. A child process, not a
// worker thread: a thread's heap limit does not hold against one large allocation (new Array(1e7) ends
// the whole process), a process's does.
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { z } from 'zod';
import { positiveInt } from '@hookfleet/config';

/** The sandbox's settings, read by every app that runs transforms (the worker, and the admin's dry run). */
export const transformConfigShape = {
  /**
   * Wall time one evaluation may take once a sandbox process has it (waiting for a free one does not count;
   * copying a large payload to it does: 25 MB takes over a second).
   */
  TRANSFORM_TIMEOUT_MS: positiveInt.default(5000),
  /** Heap of a sandbox process; an evaluation that needs more ends its process. */
  TRANSFORM_MAX_HEAP_MB: z.coerce.number().int().min(16).max(4096).default(64),
  /** A larger result (as JSON) is refused. */
  TRANSFORM_MAX_OUTPUT_BYTES: positiveInt.default(1024 * 1024),
  /** Sandbox processes, started on first use: evaluations at once; more wait their turn. */
  TRANSFORM_CONCURRENCY: positiveInt.max(64).default(2),
} as const;

export interface TransformLimits {
  timeoutMs: number;
  maxHeapMb: number;
  maxOutputBytes: number;
  concurrency: number;
}

export const transformLimitsOf = (config: {
  TRANSFORM_TIMEOUT_MS: number;
  TRANSFORM_MAX_HEAP_MB: number;
  TRANSFORM_MAX_OUTPUT_BYTES: number;
  TRANSFORM_CONCURRENCY: number;
}): TransformLimits => ({
  timeoutMs: config.TRANSFORM_TIMEOUT_MS,
  maxHeapMb: config.TRANSFORM_MAX_HEAP_MB,
  maxOutputBytes: config.TRANSFORM_MAX_OUTPUT_BYTES,
  concurrency: config.TRANSFORM_CONCURRENCY,
});

/** Which limit an evaluation broke; null: the expression itself failed (a type error, a stack overflow). */
export type TransformLimit = 'time' | 'memory' | 'output';

export type TransformOutcome =
  | { ok: true; result: unknown; bytes: number; durationMs: number }
  | {
      ok: false;
      /** Null: the expression itself failed (a type error, a stack overflow), or the sandbox did (below). */
      limit: TransformLimit | null;
      /**
       * The sandbox failed, not the expression (it was closed, or its process was killed from outside):
       * worth another try. Everything else fails the same way on every try.
       */
      sandboxFailed: boolean;
      message: string;
      durationMs: number;
    };

export interface TransformSandbox {
  run(expression: string, payload: unknown): Promise<TransformOutcome>;
  close(): Promise<void>;
}

type ChildResult = { ok: true; json: string; bytes: number } | { ok: false; kind: 'output' | 'error'; message: string };

const CHILD_SCRIPT = fileURLToPath(new URL('./transform-process.js', import.meta.url));

export function createTransformSandbox(limits: TransformLimits): TransformSandbox {
  let pool: workerpool.Pool | null = null;
  let closed = false;
  // Made on first use: a process whose sources never transform starts no child. Then the children stay
  // (minWorkers), so an evaluation does not pay for a child's start.
  const poolOf = () =>
    (pool ??= workerpool.pool(CHILD_SCRIPT, {
      workerType: 'process',
      minWorkers: limits.concurrency,
      maxWorkers: limits.concurrency,
      // No environment: the expression has no business with this process's secrets (DATABASE_URL, keys).
      forkOpts: { execArgv: [`--max-old-space-size=${limits.maxHeapMb}`], env: {} },
      // V8's out-of-memory report goes to the child's stderr: captured here, not mixed into our log lines.
      emitStdStreams: true,
      workerTerminateTimeout: 100,
    }));

  return {
    async run(expression, payload) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      if (closed)
        return { ok: false, limit: null, sandboxFailed: true, message: 'the sandbox is closed', durationMs: 0 };
      try {
        // The pool starts the timer when a child takes the task; at the deadline it kills the child.
        const result = (await poolOf()
          .exec('evaluate', [expression, payload, limits.maxOutputBytes], { on: () => {} })
          .timeout(limits.timeoutMs)) as ChildResult;
        if (result.ok) return { ok: true, result: JSON.parse(result.json), bytes: result.bytes, durationMs: elapsed() };
        const limit = result.kind === 'output' ? 'output' : null;
        return { ok: false, limit, sandboxFailed: false, message: result.message, durationMs: elapsed() };
      } catch (error) {
        return { ...failureOf(error, limits), durationMs: elapsed() };
      }
    },
    async close() {
      closed = true;
      await pool?.terminate(true);
    },
  };
}

/**
 * A rejection from the pool: the deadline (the child was killed), the heap cap (V8 aborts a process that
 * reaches it: SIGABRT), or the sandbox itself (closed under the task, or the child killed from outside).
 */
function failureOf(
  error: unknown,
  limits: TransformLimits,
): Omit<Extract<TransformOutcome, { ok: false }>, 'durationMs'> {
  if (error instanceof workerpool.Promise.TimeoutError) {
    return { ok: false, limit: 'time', sandboxFailed: false, message: `stopped after ${limits.timeoutMs} ms` };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/terminated unexpectedly/i.test(message) && /SIGABRT/.test(message)) {
    return {
      ok: false,
      limit: 'memory',
      sandboxFailed: false,
      message: `needed more than ${limits.maxHeapMb} MB of heap`,
    };
  }
  return { ok: false, limit: null, sandboxFailed: true, message };
}
