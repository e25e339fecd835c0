// A, B, L, C (and C again for F): an HTTP server in a fresh process of its own, under autocannon's load for a
// warm-up that is not counted, then for the measured window.
import { startTargetProcess } from '../child-process.js';
import { LABEL_WIDTH, progress, type BenchContext } from '../context.js';
import { checkDeliveries, type DeliveryCheck, type JobLocation } from '../delivery-check.js';
import { ingressEnv } from '../hookfleet-env.js';
import { DeliveryTracker, runLoad, type LoadSource } from '../load.js';
import { httpMeasurement, type Measurement } from '../measurement.js';
import { openWindow } from '../process-stats.js';
import { BENCH_SECRET_ENV, type ServerTarget } from '../protocol.js';
import { benchSecretsKey, createStripeSource } from '../stripe-source.js';

export const SERVER_ENTRY = new URL('../server.ts', import.meta.url);

export interface IngressTarget {
  key: string;
  label: string;
  server: ServerTarget;
  env: Record<string, string>;
  /** Start from an empty database (the targets that store deliveries). */
  freshDatabase: boolean;
  /** Where the delivery check looks for each stored row's job; null: no check (nothing stored). */
  jobs: JobLocation | null;
  /** Export traces (OTEL_EXPORTER_OTLP_ENDPOINT) to an OTLP sink in a process of its own. */
  traced?: boolean;
  /** A configured source to post to, made after the database is reset; absent: the built-in GitHub source. */
  source?: () => Promise<LoadSource>;
}

export interface IngressRun {
  measurement: Measurement;
  check: DeliveryCheck | null;
}

export async function measureIngress(context: BenchContext, target: IngressTarget): Promise<IngressRun> {
  const { options, environment } = context;
  if (target.freshDatabase) await environment.resetDatabase();
  const source = target.source ? await target.source() : undefined;
  progress(`  ${target.key.padEnd(10)} ${target.label.padEnd(LABEL_WIDTH)} warm-up ${options.warmup} s ... `);
  // Its own process, as a collector would be: its decoding is not the ingress's CPU, but shares the machine.
  const sink = target.traced ? await startTargetProcess(SERVER_ENTRY, ['otlp-sink'], {}) : null;
  const env = sink ? { ...target.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url! } : target.env;
  const server = await startTargetProcess(SERVER_ENTRY, [target.server], env).catch(async (error: unknown) => {
    await sink?.stop();
    throw error;
  });
  try {
    const tracker = new DeliveryTracker();
    const load = { url: server.url!, connections: options.connections, next: () => context.delivery, tracker, source };
    // Listening is not ready: the Hookfleet ingress compiles its payload schemas in the first seconds after
    // it listens, and answers nothing meanwhile. The clock starts at its first answer.
    await runLoad({ ...load, connections: 1, amount: 1, timeoutSeconds: 60 });
    // A fresh Node process runs slow until its code is optimised: the warm-up is not counted.
    await runLoad({ ...load, seconds: options.warmup });
    progress(`measuring ${options.duration} s ... `);
    const window = openWindow([{ name: 'server', pid: server.pid }]);
    const result = await runLoad({ ...load, seconds: options.duration });
    const measurement = httpMeasurement(target.key, target.label, result, window.close());
    const spans = sink ? (await sink.progress()).completed : null;
    console.log(
      `${Math.round(measurement.rate).toLocaleString('en-US')} req/s, p99 ${result.latency.p99} ms` +
        (measurement.errors > 0 ? `, ${measurement.errors} errors` : '') +
        (spans === null ? '' : `, ${spans.toLocaleString('en-US')} spans received by the sink`),
    );
    const check = target.jobs ? await checkDeliveries(environment.sql, tracker, target.jobs, source?.hookId) : null;
    return { measurement, check };
  } finally {
    await server.stop();
    await sink?.stop();
  }
}

/** The targets of A, B, L, C and G, in the order they run. */
export function ingressTargets(context: BenchContext, letter: 'A' | 'B' | 'L' | 'C' | 'G'): IngressTarget[] {
  const { environment, secret } = context;
  const benchEnv = (key: string) => {
    const queuePrefix = environment.queuePrefix(key);
    return {
      queuePrefix,
      env: {
        [BENCH_SECRET_ENV]: secret,
        DATABASE_URL: environment.databaseUrl,
        REDIS_URL: environment.redisUrl,
        QUEUE_PREFIX: queuePrefix,
      },
    };
  };
  const referencePipeline = (key: string, label: string, server: ServerTarget): IngressTarget => {
    const { queuePrefix, env } = benchEnv(key);
    return {
      key,
      label,
      server,
      env,
      freshDatabase: true,
      jobs: { redisUrl: environment.redisUrl, queuePrefix },
    };
  };
  const hookfleet = (key: string, label: string, logLevel: 'info' | 'warn', traced = false): IngressTarget => {
    const queuePrefix = environment.queuePrefix(key);
    return {
      key,
      label,
      server: 'hookfleet',
      env: ingressEnv(context, queuePrefix, logLevel),
      freshDatabase: true,
      jobs: { redisUrl: environment.redisUrl, queuePrefix },
      traced,
    };
  };
  // The baselines touch neither Postgres nor Redis.
  const baseline = { env: { [BENCH_SECRET_ENV]: secret }, freshDatabase: false, jobs: null };
  switch (letter) {
    case 'A':
      return [
        { key: 'A http', label: 'node:http + HMAC', server: 'node-http', ...baseline },
        { key: 'A express', label: 'Express 5 + HMAC', server: 'express', ...baseline },
      ];
    case 'B':
      return [referencePipeline('B', 'naive: Express + Prisma create + Queue.add', 'naive-pipeline')];
    case 'L':
      return [referencePipeline('L', 'lean: node:http + pg group commit + addBulk', 'lean-ingest')];
    case 'C':
      return [
        hookfleet('C info', 'Hookfleet ingress, LOG_LEVEL=info (default)', 'info'),
        hookfleet('C warn', 'Hookfleet ingress, LOG_LEVEL=warn', 'warn'),
        hookfleet('C traced', 'Hookfleet ingress, LOG_LEVEL=info, traced', 'info', true),
      ];
    case 'G': {
      // C info's configuration, posting to a generic source with the Stripe preset instead.
      const secretsKey = benchSecretsKey();
      const target = hookfleet('G stripe', 'Hookfleet ingress, generic (Stripe preset)', 'info');
      return [
        {
          ...target,
          env: { ...target.env, SOURCE_SECRETS_KEY: secretsKey },
          source: () => createStripeSource(environment.databaseUrl, secretsKey),
        },
      ];
    }
  }
}
