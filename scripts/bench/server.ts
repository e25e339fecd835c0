// One server under test, alone in its own process:
//   node --import tsx --conditions=@hookfleet/source scripts/bench/server.ts <target>
// The benchmark starts it with fork() and talks to it over IPC (./protocol.ts); it is not meant to be run
// by hand. A process of its own gives the server its own event loop and heap, away from the load generator
// and from the targets before it.
import { runAsChild } from './child-side.js';
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

function start(target: ServerTarget): Promise<RunningServer> {
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
  const server = await start(target as ServerTarget);
  return { name: target, url: server.url, stop: () => server.stop() };
});
