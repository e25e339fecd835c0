// The load generator: signed GitHub pull_request deliveries, each opening a pull request of its own, with
// every tenth a `synchronize` of an earlier one (so per-PR ordering is exercised), sent with bounded
// concurrency and, optionally, at a bounded rate. It records what every request was answered.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { signGithubBody } from '@hookfleet/devkit';
import { pullRequestOpenedBody } from '../bench/payload.js';
import { WEBHOOK_SECRET } from './fleet.js';

export interface Delivery {
  deliveryId: string;
  /** "chaos/s3#17" */
  pr: string;
  body: string;
  /** Extra copies to send at once (scenario 7); 0 for one request. */
  copies: number;
  /** One of the copies carries this body instead, under the same delivery id. */
  conflictingBody?: string;
}

export type PayloadQuirk = 'nul' | 'lone-surrogate' | 'large' | 'deep';

const template = JSON.parse(pullRequestOpenedBody()) as Record<string, unknown> & {
  action: string;
  number: number;
  pull_request: Record<string, unknown> & { number: number; title: string; body: string };
  repository: Record<string, unknown> & { full_name: string; name: string };
};

function body(repository: string, number: number, action: string, title: string, quirk?: PayloadQuirk): string {
  const payload = structuredClone(template);
  payload.action = action;
  payload.number = number;
  payload.pull_request.number = number;
  payload.pull_request.title = title;
  payload.repository.full_name = repository;
  payload.repository.name = repository.split('/')[1]!;
  if (quirk === 'large') payload.pull_request.body = 'x'.repeat(5 * 1024 * 1024);
  if (quirk === 'deep') {
    let nested: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 55; i++) nested = { level: nested };
    (payload as Record<string, unknown>).chaos_nesting = nested;
  }
  let text = JSON.stringify(payload);
  // Escapes JSON.stringify would never write, as a sender may: NUL and half a surrogate pair.
  if (quirk === 'nul') text = text.replace('"title":"', '"title":"nul \\u0000 ');
  if (quirk === 'lone-surrogate') text = text.replace('"title":"', '"title":"half \\ud800 ');
  return text;
}

export function planDeliveries(
  scenario: number,
  count: number,
  shape: { duplicates?: boolean; quirks?: boolean },
): Delivery[] {
  const repository = `chaos/s${scenario}`;
  const deliveries: Delivery[] = [];
  let opened = 0;
  for (let i = 0; i < count; i++) {
    // Every tenth delivery is a new commit on a pull request opened a little earlier.
    const synchronize = i % 10 === 9 && opened > 0;
    const number = synchronize ? Math.max(1, opened - 3) : ++opened;
    let quirk: PayloadQuirk | undefined;
    if (shape.quirks) {
      const roll = i % 100;
      quirk = roll < 5 ? 'nul' : roll < 10 ? 'lone-surrogate' : roll < 15 ? 'deep' : roll === 15 ? 'large' : undefined;
    }
    const title = `Chaos ${scenario}.${i}`;
    const delivery: Delivery = {
      deliveryId: randomUUID(),
      pr: `${repository}#${number}`,
      body: body(repository, number, synchronize ? 'synchronize' : 'opened', title, quirk),
      copies: 0,
    };
    if (shape.duplicates && i % 5 === 0) {
      delivery.copies = 1 + (i % 4); // 2 to 5 requests in all
      if (i % 10 === 0) delivery.conflictingBody = body(repository, number, 'opened', `${title} (changed)`);
    }
    deliveries.push(delivery);
  }
  return deliveries;
}

/** What the sender saw, per delivery id: every answer's status (0 for no answer). */
export type Answers = Map<string, number[]>;

export interface LoadRun {
  answers: Answers;
  /** Resolves once this fraction of the deliveries has been sent. */
  whenSent(fraction: number): Promise<void>;
  done: Promise<void>;
}

export function sendLoad(
  url: string,
  deliveries: Delivery[],
  options: { concurrency: number; ratePerSecond: number; hookId: string },
): LoadRun {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const answers: Answers = new Map();
  let sent = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const onSent = () => {
    sent += 1;
    for (const waiter of waiters.filter((candidate) => candidate.count <= sent)) {
      waiter.resolve();
      waiters.splice(waiters.indexOf(waiter), 1);
    }
  };
  const post = (delivery: Delivery, text: string) =>
    new Promise<number>((resolve) => {
      const req = request(
        `${url}/webhooks/github`,
        {
          method: 'POST',
          agent,
          timeout: 30_000,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'GitHub-Hookshot/chaos',
            'x-github-event': 'pull_request',
            'x-github-delivery': delivery.deliveryId,
            'x-github-hook-id': options.hookId,
            'x-hub-signature-256': signGithubBody(WEBHOOK_SECRET, text),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end(text);
    });
  const record = (delivery: Delivery, status: number) => {
    const list = answers.get(delivery.deliveryId) ?? [];
    list.push(status);
    answers.set(delivery.deliveryId, list);
  };

  let next = 0;
  const started = Date.now();
  const lane = async () => {
    for (;;) {
      const index = next++;
      const delivery = deliveries[index];
      if (!delivery) return;
      if (options.ratePerSecond > 0) {
        const due = started + (index * 1000) / options.ratePerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const texts = [delivery.body, ...Array.from({ length: delivery.copies }, () => delivery.body)];
      if (delivery.conflictingBody) texts[texts.length - 1] = delivery.conflictingBody;
      const statuses = await Promise.all(texts.map((text) => post(delivery, text)));
      for (const status of statuses) record(delivery, status);
      onSent();
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, lane)).then(() => agent.destroy());
  return {
    answers,
    done,
    whenSent: (fraction) =>
      new Promise((resolve) => {
        const count = Math.ceil(deliveries.length * fraction);
        if (sent >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}
