// One server under test, alone in its own process:
//   node --import tsx --conditions=@hookfleet/source scripts/bench/server.ts <target>
// The benchmark starts it with fork() and talks to it over IPC (./protocol.ts); it is not meant to be run
// by hand. A process of its own gives the server its own event loop and heap, away from the load generator
// and from the targets before it.
import { OtlpReceiver } from '@hookfleet/devkit';
import { runAsChild, type ChildRole } from './child-side.js';
import { BENCH_SECRET_ENV, SERVER_TARGETS, type ServerTarget } from './protocol.js';
import { startExpress } from './servers/express.js';
import { startHookfleetIngress } from './servers/hookfleet-ingress.js';
import { startLeanIngest } from './servers/lean-ingest.js';
import { startNaivePipeline, type PipelineConfig } from './servers/naive-pipeline.js';
import { startNodeHttp } from './servers/node-http.js';
import type { RunningServer } from './servers/running-server.js';

function pipelineConfig(): PipelineConfig {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    secret: required(BENCH_SECRET_ENV),
    databaseUrl: required('DATABASE_URL'),
    redisUrl: required('REDIS_URL'),
    queuePrefix: required('QUEUE_PREFIX'),
  };
}

/** A collector's stand-in: decodes every export, keeps none, and reports the spans it got as progress. */
async function startOtlpSink(): Promise<ChildRole> {
  const sink = await new OtlpReceiver({ keepSpans: false }).start();
  return {
    name: 'otlp-sink',
    url: sink.url,
    progress: () => ({ completed: sink.spanCount, lastCompletedAt: Date.now() }),
    stop: () => sink.stop(),
  };
}

function start(target: Exclude<ServerTarget, 'otlp-sink'>): Promise<RunningServer> {
  const secret = process.env[BENCH_SECRET_ENV] ?? '';
  switch (target) {
    case 'node-http':
      return startNodeHttp(secret);
    case 'express':
      return startExpress(secret);
    case 'naive-pipeline':
      return startNaivePipeline(pipelineConfig());
    case 'lean-ingest':
      return startLeanIngest(pipelineConfig());
    case 'hookfleet':
      return startHookfleetIngress(process.env);
  }
}

const target = process.argv[2] ?? '';
await runAsChild(`server ${target}`, async () => {
  if (!(SERVER_TARGETS as readonly string[]).includes(target)) {
    throw new Error(`unknown target ${target}; expected one of ${SERVER_TARGETS.join(', ')}`);
  }
  if (target === 'otlp-sink') return startOtlpSink();
  const server = await start(target as Exclude<ServerTarget, 'otlp-sink'>);
  return { name: target, url: server.url, stop: () => server.stop() };
});
