import winston from 'winston';
import type { LogLevel } from '@hookfleet/config';
import { describeError } from './describe-error.js';

export type Logger = winston.Logger;

/** Error values anywhere at the top level of a line's fields become their class, message, code and stack. */
const describeErrors = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (info[key] instanceof Error) info[key] = describeError(info[key]);
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
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
