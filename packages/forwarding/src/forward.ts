// One delivery of a stored event to a forward-mode source's URL, signed with Standard Webhooks so the
// receiver can verify it. The outcome is a value: the caller records the attempt (status, duration) before
// failing the job with the error it carries, which tells BullMQ whether to retry.
import type { Readable } from 'node:stream';
import axios, { isAxiosError } from 'axios';
import { UnrecoverableError } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { traceHttpClient } from '@hookfleet/observability';
import { STANDARD_WEBHOOK_HEADERS } from '@hookfleet/providers';
import { hasRetryAfter, isRetryableHttpStatus, parseRetryAfter, RetryableError } from '@hookfleet/queue';
import { ForwardTargetRefusedError, checkForwardUrl, type GuardedAgents } from './ssrf.js';

export const FORWARD_USER_AGENT = 'Hookfleet-Forwarder';

/** Every setting is per request (below); the instance is there to trace the calls. */
const http = traceHttpClient(axios.create(), 'forward');

export interface ForwardRequest {
  eventId: string;
  generation: number;
  /** The stored payload, or the transformed one when the event has it; sent as JSON. */
  payload: unknown;
  url: string;
  /** `whsec_` + base64: the secret the receiver verifies with. */
  signingSecret: string;
  timeoutMs: number;
  /** From createGuardedAgents; their policy also decides whether a literal private address is refused. */
  agents: GuardedAgents;
  now?: () => Date;
}

export type ForwardOutcome =
  | { ok: true; statusCode: number; durationMs: number }
  | {
      ok: false;
      /** Null when no answer came (refused, network error, timeout). */
      statusCode: number | null;
      /** Null when no request was made. */
      durationMs: number | null;
      error: RetryableError | UnrecoverableError;
    };

/** The webhook-id: the same for every attempt of one generation, so the receiver can drop repeats. */
export function forwardMessageId(eventId: string, generation: number): string {
  return `${eventId}-g${generation}`;
}

function refusedTarget(error: unknown): ForwardTargetRefusedError | null {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ForwardTargetRefusedError) return cause;
  }
  return null;
}

/** 408, 429 and 5xx may pass on a later attempt; 3xx (never followed) and other 4xx will not. */
function classifyAnswer(status: number, retryAfter: string | undefined): RetryableError | UnrecoverableError | null {
  if (status >= 200 && status < 300) return null;
  const message = `forward target answered ${status}`;
  if (isRetryableHttpStatus(status)) {
    return new RetryableError(message, hasRetryAfter(status) ? parseRetryAfter(retryAfter) : undefined);
  }
  if (status >= 300 && status < 400) return new UnrecoverableError(`${message}; redirects are not followed`);
  return new UnrecoverableError(message);
}

export async function forwardEvent(request: ForwardRequest): Promise<ForwardOutcome> {
  const checked = checkForwardUrl(request.url, request.agents);
  if (!checked.ok) {
    return { ok: false, statusCode: null, durationMs: null, error: new UnrecoverableError(checked.reason) };
  }

  const body = JSON.stringify(request.payload);
  const messageId = forwardMessageId(request.eventId, request.generation);
  // Whole seconds: the header carries seconds, and the signature must cover exactly what it says.
  const timestamp = Math.floor((request.now?.() ?? new Date()).getTime() / 1000);
  let signature: string;
  try {
    signature = new Webhook(request.signingSecret).sign(messageId, new Date(timestamp * 1000), body);
  } catch {
    // Never echo the secret.
    const error = new UnrecoverableError('the forward signing secret is not a whsec_ base64 key');
    return { ok: false, statusCode: null, durationMs: null, error };
  }

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // The deadline covers the whole exchange up to the answer's headers, however slowly they trickle in.
  const deadline = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await http.post(checked.url.href, body, {
      headers: {
        'content-type': 'application/json',
        'user-agent': FORWARD_USER_AGENT,
        [STANDARD_WEBHOOK_HEADERS.id]: messageId,
        [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [STANDARD_WEBHOOK_HEADERS.signature]: signature,
      },
      httpAgent: request.agents.httpAgent,
      httpsAgent: request.agents.httpsAgent,
      // A proxy would resolve the target itself, past the agents' address check.
      proxy: false,
      maxRedirects: 0,
      signal: deadline,
      // Every status is classified below; the body is not needed, so it is never read.
      validateStatus: () => true,
      responseType: 'stream',
    });
    (response.data as Readable).destroy();
    const retryAfter = response.headers['retry-after'];
    const error = classifyAnswer(response.status, typeof retryAfter === 'string' ? retryAfter : undefined);
    const durationMs = elapsed();
    return error
      ? { ok: false, statusCode: response.status, durationMs, error }
      : { ok: true, statusCode: response.status, durationMs };
  } catch (error) {
    const durationMs = elapsed();
    const refused = refusedTarget(error);
    if (refused) return { ok: false, statusCode: null, durationMs, error: new UnrecoverableError(refused.message) };
    const reason = deadline.aborted
      ? `no answer within ${request.timeoutMs} ms`
      : isAxiosError(error)
        ? `${error.code ?? 'request failed'}: ${error.message}`
        : String(error);
    return { ok: false, statusCode: null, durationMs, error: new RetryableError(`forward failed: ${reason}`) };
  }
}
