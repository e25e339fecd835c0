// The load generator, the only thing that runs in the benchmark's own process while a server is measured:
// autocannon, one request in flight per connection (as GitHub delivers), every request a new delivery.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { onInterruption, throwIfInterrupted } from './interruption.js';
import { WEBHOOK_PATH } from './protocol.js';

/** The hook id every benchmark delivery carries; rows stored with it are the ones the load put there. */
export const BENCH_HOOK_ID = '476113233';

export interface SignedDelivery {
  body: Buffer;
  signature: string;
}

/**
 * Which deliveries got which answer. With one request in flight per connection, autocannon's per-connection
 * context carries the delivery id from setupRequest to onResponse. Only the in-flight ids and the non-202
 * ones are kept, so memory stays at about one id per connection.
 */
export class DeliveryTracker {
  /** Sent and not (yet) answered: at the end, the requests cut off when autocannon closed its connections. */
  readonly unanswered = new Set<string>();
  /** Answered with anything but 202 (none in a healthy run). */
  readonly otherAnswers = new Map<string, number>();
  accepted = 0;

  sent(deliveryId: string): void {
    this.unanswered.add(deliveryId);
  }

  answered(deliveryId: string, status: number): void {
    this.unanswered.delete(deliveryId);
    if (status === 202) this.accepted++;
    else this.otherAnswers.set(deliveryId, status);
  }
}

/** One request to a configured source: its own delivery id, body and headers (signature included). */
export interface SourceRequest {
  deliveryId: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** A configured source the load posts to instead of the built-in GitHub one. */
export interface LoadSource {
  path: string;
  /** The hook id its rows are stored under (the source's id), for the delivery check. */
  hookId: string;
  next(): SourceRequest;
}

interface DeliveryContext {
  deliveryId?: string;
}

export interface LoadPlan {
  url: string;
  connections: number;
  /** How long to send for; or `amount`, how many requests to send. */
  seconds?: number;
  amount?: number;
  /** How long one request may take before autocannon counts it as a timeout (default 10 s). */
  timeoutSeconds?: number;
  /** The body of the next request (the same one every time, or a new one). */
  next(): SignedDelivery;
  tracker: DeliveryTracker;
  /** Post to this source, with its requests, instead of GitHub deliveries of `next` to the built-in source. */
  source?: LoadSource;
}

export function runLoad(plan: LoadPlan): Promise<autocannon.Result> {
  throwIfInterrupted();
  return new Promise((resolve, reject) => {
    let stopListening = () => {};
    const instance = autocannon(
      {
        url: plan.url,
        connections: plan.connections,
        ...(plan.amount !== undefined ? { amount: plan.amount } : { duration: plan.seconds ?? 10 }),
        ...(plan.timeoutSeconds !== undefined ? { timeout: plan.timeoutSeconds } : {}),
        pipelining: 1, // one request in flight per connection, like GitHub's deliveries (and the tracker)
        requests: [
          plan.source
            ? sourceRequest(plan, plan.source)
            : {
                method: 'POST',
                path: WEBHOOK_PATH,
                // What GitHub sends, with the hook id of a repository webhook.
                headers: {
                  'content-type': 'application/json',
                  'user-agent': 'GitHub-Hookshot/bench',
                  accept: '*/*',
                  'x-github-event': 'pull_request',
                  'x-github-hook-id': BENCH_HOOK_ID,
                  'x-github-hook-installation-target-type': 'repository',
                  'x-github-hook-installation-target-id': '186853002',
                },
                // Every request is a distinct delivery: Hookfleet stores a repeated delivery id once and answers
                // it 200 as a duplicate.
                setupRequest: (request, context) => {
                  const deliveryId = randomUUID();
                  const delivery = plan.next();
                  (context as DeliveryContext).deliveryId = deliveryId;
                  plan.tracker.sent(deliveryId);
                  return {
                    ...request,
                    body: delivery.body,
                    headers: {
                      ...request.headers,
                      'x-github-delivery': deliveryId,
                      'x-hub-signature-256': delivery.signature,
                    },
                  };
                },
                onResponse: (status, _body, context) => answered(plan, status, context),
              },
        ],
      },
      (error: unknown, result) => {
        stopListening();
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    stopListening = onInterruption(() => instance.stop());
  }).then((result) => {
    throwIfInterrupted();
    return result as autocannon.Result;
  });
}

function answered(plan: LoadPlan, status: number, context: unknown): void {
  const { deliveryId } = context as DeliveryContext;
  if (deliveryId) plan.tracker.answered(deliveryId, status);
}

/** Requests to a configured source: each a new delivery, signed as its sender signs. */
function sourceRequest(plan: LoadPlan, source: LoadSource): autocannon.Request {
  return {
    method: 'POST',
    path: source.path,
    headers: { 'content-type': 'application/json', accept: '*/*' },
    setupRequest: (request, context) => {
      const next = source.next();
      (context as DeliveryContext).deliveryId = next.deliveryId;
      plan.tracker.sent(next.deliveryId);
      return { ...request, body: next.body, headers: { ...request.headers, ...next.headers } };
    },
    onResponse: (status, _body, context) => answered(plan, status, context),
  };
}
