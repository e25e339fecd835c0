export {
  startEmbeddedPostgres,
  startEmbeddedRedis,
  provideServices,
  type RunningService,
  type Services,
} from './embedded.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { signGithubBody } from './github-signing.js';
export { createTestEnvironment, type TestEnvironment } from './test-environment.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export {
  OtlpReceiver,
  OTLP_SPAN_KIND,
  decodeOtlpJson,
  type AttributeValue,
  type ReceivedSpan,
} from './otlp-receiver.js';
export * from './fixtures/provider-examples.js';
