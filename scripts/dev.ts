// `pnpm dev`: the whole system in one process (ingress, a worker for every queue, admin), on the
// configured Postgres and Redis or on embedded ones where DATABASE_URL / REDIS_URL are unset.
import { adminConfigSchema, startAdmin } from '@hookfleet/admin';
import { parseConfig } from '@hookfleet/config';
import { applyMigrations } from '@hookfleet/db';
import { provideServices } from '@hookfleet/devkit';
import { ingressConfigSchema, startIngress } from '@hookfleet/ingress';
import { startWorker, workerConfigSchema } from '@hookfleet/worker';

/** Development credentials, used only where the env does not set them. */
const DEV_DEFAULTS = {
  GITHUB_WEBHOOK_SECRET: 'dev-webhook-secret',
  ADMIN_API_TOKEN: 'dev-admin-token-change-me',
  // 32 bytes, base64: encrypts source secrets. Development only.
  SOURCE_SECRETS_KEY: 'ZGV2LW9ubHktc291cmNlLXNlY3JldHMta2V5LTMyYiE=',
};

const services = await provideServices(process.env);
const env = {
  ...DEV_DEFAULTS,
  ...process.env,
  DATABASE_URL: services.databaseUrl,
  REDIS_URL: services.redisUrl,
  // PGlite serves one session; a small pool per app keeps the multiplexer's queue short.
  ...(services.embedded.postgres && !process.env.DATABASE_POOL_MAX ? { DATABASE_POOL_MAX: '4' } : {}),
};

const applied = await applyMigrations(services.databaseUrl);
const ingress = await startIngress(parseConfig(ingressConfigSchema, env));
const worker = await startWorker(parseConfig(workerConfigSchema, env));
const admin = await startAdmin(parseConfig(adminConfigSchema, env));

const describe = (url: string, embedded: boolean) => (embedded ? `${url} (embedded)` : url);
console.log(`
Hookfleet is running.
  ingress   ${ingress.url}/webhooks/github       secret: ${env.GITHUB_WEBHOOK_SECRET}
  admin     ${admin.url}/api/v1/events         token:  ${env.ADMIN_API_TOKEN}
  queues    ${admin.url}/admin/queues           (Bull Board; send the token as a Bearer header)
  worker    ${worker.healthUrl}/health           queues: ${worker.queues.join(', ')}
  postgres  ${describe(services.databaseUrl, services.embedded.postgres)}${applied.length ? `  migrated: ${applied.join(', ')}` : ''}
  redis     ${describe(services.redisUrl, services.embedded.redis)}

Try:  curl -H "Authorization: Bearer ${env.ADMIN_API_TOKEN}" ${admin.url}/api/v1/events
Stop: Ctrl-C
`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await ingress.stop();
  await worker.stop();
  await admin.stop();
  await services.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
