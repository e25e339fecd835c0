// Slack incoming webhook: new pull requests and dead tasks. Slack answers the text "ok" on success and a
// 4xx with a reason ("invalid_payload", "no_service") otherwise; axios turns those into errors.
import axios, { isAxiosError } from 'axios';
import { traceHttpClient } from '@hookfleet/observability';

export interface SlackMessage {
  text: string;
  /** Block Kit blocks; `text` is then the notification fallback. */
  blocks?: unknown[];
}

export interface SlackNotifier {
  notify(message: SlackMessage): Promise<void>;
}

export function createSlackNotifier(options: { webhookUrl: string; timeoutMs: number }): SlackNotifier {
  const http = traceHttpClient(
    axios.create({ timeout: options.timeoutMs, maxRedirects: 0, responseType: 'text' }),
    'slack',
  );
  // The webhook URL is the credential, and callers put an axios error's config.url into messages and logs.
  const shownUrl = `${new URL(options.webhookUrl).origin}/[redacted]`;
  return {
    async notify({ text, blocks }) {
      try {
        await http.post(options.webhookUrl, blocks ? { text, blocks } : { text });
      } catch (error) {
        if (isAxiosError(error) && error.config) error.config.url = shownUrl;
        throw error;
      }
    },
  };
}
