// How a failed call is judged: permanent (the request is wrong; retrying repeats the answer) or worth
// another attempt, and how it is described in the task, the event and the log.
import { isAxiosError } from 'axios';
import { UnrecoverableError } from 'bullmq';
import { hasRetryAfter, isRetryableHttpStatus, parseRetryAfter, RetryableError } from '@hookfleet/queue';

/** A call not made because its downstream's circuit is open: retryable after the circuit's break. */
export class CircuitOpenError extends RetryableError {}

/** A 4xx answer not worth another attempt (isRetryableHttpStatus) will not change on retry. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  const status = isAxiosError(error) ? error.response?.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && !isRetryableHttpStatus(status);
}

/** A downstream that asked us to slow down (429) or come back later (503) says when, in Retry-After. */
export function asRetryable(error: unknown, message: string): unknown {
  if (!isAxiosError(error)) return error;
  const status = error.response?.status;
  if (status === undefined || !hasRetryAfter(status)) return error;
  const header = error.response?.headers?.['retry-after'];
  return new RetryableError(message, parseRetryAfter(typeof header === 'string' ? header : undefined));
}

/** Why an attempt failed, as a bounded label value for the retry and dead-letter metrics. */
export type FailureReason =
  'circuit_open' | 'rate_limited' | 'http_4xx' | 'http_5xx' | 'timeout' | 'network' | 'permanent' | 'error';

export function failureReason(error: unknown): FailureReason {
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (isAxiosError(error)) {
    const status = error.response?.status;
    if (status === 429) return 'rate_limited';
    if (status !== undefined) return status >= 500 ? 'http_5xx' : 'http_4xx';
    return error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' ? 'timeout' : 'network';
  }
  return error instanceof UnrecoverableError ? 'permanent' : 'error';
}

export function describe(error: unknown): string {
  if (isAxiosError(error)) {
    return error.response ? `${error.config?.url ?? 'downstream'} answered ${error.response.status}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why a call failed, as told outside the deployment (a Slack thread, a pull request's check run): the
 * downstream by name and what it did, never the address called (it names the organisation and the path) nor
 * a network error's internal host and port.
 */
export function publicReason(error: unknown, downstream: string): string {
  switch (failureReason(error)) {
    case 'circuit_open':
      return `${downstream} is unavailable for now`;
    case 'timeout':
      return `${downstream} did not answer in time`;
    case 'network':
      return `${downstream} could not be reached`;
    case 'rate_limited':
    case 'http_4xx':
    case 'http_5xx':
      return `${downstream} answered ${isAxiosError(error) ? error.response?.status : 'an error'}`;
    default:
      return describe(error);
  }
}
