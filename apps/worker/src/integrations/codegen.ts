// Codegen agent runs (codegen_trigger tasks). One POST per task attempt; the Idempotency-Key lets Codegen
// drop a repeat after a crash between its answer and our commit.
import axios from 'axios';
import { traceHttpClient } from '@hookfleet/observability';

export interface CodegenAgentRun {
  id: string;
  /** Where a person can follow the run (Codegen's web_url). */
  url: string | null;
  status: string | null;
  response: unknown;
}

export interface CodegenClient {
  createAgentRun(run: {
    prompt: string;
    idempotencyKey: string;
    metadata?: Record<string, unknown>;
  }): Promise<CodegenAgentRun>;
}

export function createCodegenClient(options: {
  baseUrl: string;
  token: string;
  orgId: string;
  timeoutMs: number;
}): CodegenClient {
  const http = traceHttpClient(
    axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: { Authorization: `Bearer ${options.token}` },
      maxRedirects: 0,
    }),
    'codegen',
  );
  const runPath = `/v1/organizations/${encodeURIComponent(options.orgId)}/agent/run`;
  return {
    async createAgentRun({ prompt, idempotencyKey, metadata }) {
      const { data } = await http.post<Record<string, unknown> | null>(
        runPath,
        metadata ? { prompt, metadata } : { prompt },
        { headers: { 'Idempotency-Key': idempotencyKey } },
      );
      const id = data?.id;
      // Without an id the run cannot be followed or deduplicated; treat the answer as broken.
      if (typeof id !== 'string' && typeof id !== 'number') throw new Error('Codegen answered without a run id');
      return {
        id: String(id),
        url: typeof data?.web_url === 'string' ? data.web_url : null,
        status: typeof data?.status === 'string' ? data.status : null,
        response: data,
      };
    },
  };
}
