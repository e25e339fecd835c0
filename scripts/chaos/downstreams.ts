// The downstreams the fleet calls, as real local HTTP servers that count effects. AgentAPI takes an
// Idempotency-Key, as the real one does, so a repeated call with the same key is the same effect; a second
// key for the same event and task type would be a second effect (a duplicate). Slack has no key: every
// message is an effect, and a second "new pull request" message for one pull request is a duplicate.
// MAS (used by the benchmark, not the chaos suite) takes the review and never calls back: the worker's part
// ends with the submission.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Downstreams {
  agentApiUrl: string;
  slackUrl: string;
  /** MAS_BASE_URL: accepts review_pull_request tasks. */
  masUrl: string;
  /** Effects beyond the first, for the events whose ids pass `include`. */
  duplicates(include: (eventId: string) => boolean, includePr: (pr: string) => boolean): number;
  stop(): Promise<void>;
}

export async function startDownstreams(): Promise<Downstreams> {
  /** `${event_id}:${task_type}` -> the Idempotency-Keys seen. */
  const agentApiKeys = new Map<string, Set<string>>();
  /** "owner/repo#42" -> new-pull-request messages. */
  const slackMessages = new Map<string, number>();

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/api/v1/tasks') {
      const body = JSON.parse(text) as { event_id: string; task_type: string };
      const key = `${body.event_id}:${body.task_type}`;
      const keys = agentApiKeys.get(key) ?? new Set<string>();
      keys.add(String(req.headers['idempotency-key']));
      agentApiKeys.set(key, keys);
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: key, url: 'https://agent.example' }));
      return;
    }
    if (req.url === '/mas/api/v1/tasks') {
      // The same task id for a repeated Idempotency-Key, as MAS answers a resubmission.
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ task_id: `mas-${String(req.headers['idempotency-key'])}` }));
      return;
    }
    if (req.url?.startsWith('/slack')) {
      const pr = /New pull request (\S+#\d+)/.exec((JSON.parse(text) as { text?: string }).text ?? '')?.[1];
      if (pr) slackMessages.set(pr, (slackMessages.get(pr) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    agentApiUrl: base,
    slackUrl: `${base}/slack/services/T/B/chaos`,
    masUrl: `${base}/mas`,
    duplicates(include, includePr) {
      let extra = 0;
      for (const [key, keys] of agentApiKeys) if (include(key.split(':')[0]!)) extra += keys.size - 1;
      for (const [pr, count] of slackMessages) if (includePr(pr)) extra += count - 1;
      return extra;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
