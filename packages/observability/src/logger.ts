import winston from 'winston';
import type { LogLevel } from '@hookfleet/config';
import { describeError } from './describe-error.js';
import { activeTraceIds } from './tracing.js';

export type Logger = winston.Logger;

/** Error values anywhere at the top level of a line's fields become their class, message, code and stack. */
const describeErrors = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (info[key] instanceof Error) info[key] = describeError(info[key]);
  }
  return info;
});

/**
 * The active span's ids on every line written inside one, so a line leads to its trace. Winston runs formats
 * synchronously within the logging call, so the active context is the caller's.
 */
const traceIds = winston.format((info) => {
  const ids = activeTraceIds();
  if (ids) {
    info.trace_id = ids.traceId;
    info.span_id = ids.spanId;
  }
  return info;
});

/** JSON lines on stdout; `silent` for tests. Callers add context with `logger.child({...})`. */
export function createLogger(options: { service: string; level: LogLevel }): Logger {
  return winston.createLogger({
    level: options.level === 'silent' ? 'error' : options.level,
    silent: options.level === 'silent',
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      describeErrors(),
      traceIds(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
