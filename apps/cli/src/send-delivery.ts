// One GitHub delivery: the body is serialised once and those exact bytes are both signed and sent.
import { randomUUID } from 'node:crypto';
import { GITHUB_HEADERS } from '@hookfleet/providers';
import { sign } from '@octokit/webhooks-methods';
import { parseJson } from './admin-client.js';

export interface DeliveryRequest {
  url: string;
  secret: string;
  event: string;
  payload: unknown;
  deliveryId?: string;
}

export interface DeliveryResult {
  deliveryId: string;
  status: number;
  body: unknown;
}

export async function sendDelivery(request: DeliveryRequest): Promise<DeliveryResult> {
  const deliveryId = request.deliveryId ?? randomUUID();
  const body = JSON.stringify(request.payload);
  const response = await fetch(request.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/hookfleet-cli',
      [GITHUB_HEADERS.event]: request.event,
      [GITHUB_HEADERS.delivery]: deliveryId,
      [GITHUB_HEADERS.signature256]: await sign(request.secret, body),
    },
    body,
  });
  return { deliveryId, status: response.status, body: parseJson(await response.text()) };
}
