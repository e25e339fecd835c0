import winston from 'winston';
import type { LogLevel } from '@hookfleet/config';

export type Logger = winston.Logger;

/** JSON lines on stdout; `silent` for tests. Callers add context with `logger.child({...})`. */
export function createLogger(options: { service: string; level: LogLevel }): Logger {
  return winston.createLogger({
    level: options.level === 'silent' ? 'error' : options.level,
    silent: options.level === 'silent',
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
