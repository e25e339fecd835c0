// G: a generic source with the Stripe preset, made in the benchmark's database after its reset, and the
// requests Stripe would send it: each event a new id (the dedupe key) wrapping the same ~7 KB payload the
// GitHub targets receive, signed "t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>". The load process signs
// each request (C sends one signature over and over): an HMAC of 7 KB, microseconds of the load's CPU.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createPrismaClient } from '@hookfleet/db';
import { createSecretBox, createSource } from '@hookfleet/sources';
import type { LoadSource } from './load.js';
import { pullRequestOpenedBody } from './payload.js';

export async function createStripeSource(databaseUrl: string, secretsKey: string): Promise<LoadSource> {
  const prisma = createPrismaClient(databaseUrl, { poolMax: 1 });
  try {
    const { source, secret } = await createSource(
      { prisma, box: createSecretBox(secretsKey) },
      { provider: 'generic', name: 'bench-stripe', settings: { generic: { preset: 'stripe' } } },
    );
    const data = pullRequestOpenedBody();
    return {
      path: `/webhooks/generic/${source.id}`,
      hookId: source.id,
      next() {
        const deliveryId = `evt_${randomUUID()}`;
        const text = `{"id":"${deliveryId}","object":"event","type":"checkout.session.completed","data":{"object":${data}}}`;
        const t = Math.floor(Date.now() / 1000);
        const signature = createHmac('sha256', secret).update(`${t}.${text}`).digest('hex');
        return { deliveryId, body: Buffer.from(text), headers: { 'stripe-signature': `t=${t},v1=${signature}` } };
      },
    };
  } finally {
    await prisma.$disconnect();
  }
}

/** The key the benchmark seals the source's secret with, and gives the ingress to open it. */
export const benchSecretsKey = () => randomBytes(32).toString('base64');
