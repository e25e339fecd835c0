export { AppError, errorHandler, notFoundHandler, toAppError, type ErrorBody } from './errors.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { bindRequestLog, requestContext, correlationIdOf, requestLoggerOf } from './request-context.js';
export {
  healthRoutes,
  operationalRoutes,
  type ComponentReport,
  type HealthCheck,
  type HealthOptions,
} from './health.js';
export { createBaseApp, listen, type ConnectionLimits, type RunningServer } from './server.js';
export { runUntilSignal } from './run-until-signal.js';
export { requestSpan } from './request-span.js';
export { redisCounterStore } from './rate-limit-store.js';
