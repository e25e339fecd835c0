// Slack's Web API as the bot: chat.postMessage with the bot token, to answer in the thread a request came
// from. Slack answers HTTP 200 with {"ok": false, "error": "channel_not_found"} for most failures, so the
// body decides, not the status.
import axios from 'axios';
import { UnrecoverableError } from 'bullmq';
import { traceHttpClient } from '@hookfleet/observability';

export interface SlackThreadMessage {
  channel: string;
  /** The thread to answer in; absent: a new message in the channel. */
  threadTs?: string | null;
  text: string;
}

export interface SlackBotClient {
  postMessage(message: SlackThreadMessage): Promise<{ channel: string; ts: string }>;
}

interface PostMessageAnswer {
  ok?: unknown;
  error?: unknown;
  channel?: unknown;
  ts?: unknown;
}

/** Slack refused the call (a missing channel, a bot not in it, a revoked token): the same call gets the same answer. */
export class SlackApiError extends UnrecoverableError {
  constructor(
    readonly method: string,
    readonly code: string,
  ) {
    super(`Slack ${method} failed: ${code}`);
    this.name = 'SlackApiError';
  }
}

export function createSlackBotClient(options: { apiUrl: string; token: string; timeoutMs: number }): SlackBotClient {
  const http = traceHttpClient(
    axios.create({
      baseURL: options.apiUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      headers: { Authorization: `Bearer ${options.token}` },
      maxRedirects: 0,
    }),
    'slack',
  );
  return {
    async postMessage({ channel, threadTs, text }) {
      const { data } = await http.post<PostMessageAnswer | null>(
        '/chat.postMessage',
        threadTs ? { channel, thread_ts: threadTs, text } : { channel, text },
        { headers: { 'Content-Type': 'application/json; charset=utf-8' } },
      );
      if (data?.ok !== true) {
        throw new SlackApiError('chat.postMessage', typeof data?.error === 'string' ? data.error : 'no ok in answer');
      }
      return { channel: typeof data.channel === 'string' ? data.channel : channel, ts: String(data.ts ?? '') };
    },
  };
}
