export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { describeError, type ErrorDescription } from './describe-error.js';
