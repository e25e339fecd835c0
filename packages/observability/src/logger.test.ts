import Transport from 'winston-transport';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

class Capture extends Transport {
  readonly lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(JSON.parse(JSON.stringify(info)) as Record<string, unknown>);
    next();
  }
}

describe('the logger', () => {
  it('writes an error field as its class, message, code and stack, never as {}', () => {
    const logger = createLogger({ service: 'test', level: 'info' });
    const capture = new Capture();
    logger.add(capture);
    const error = Object.assign(new TypeError('Cannot read properties of undefined'), { code: 'E_TEST' });
    logger
      .child({ correlation_id: 'c-1', principal: 'ops' })
      .error('request failed', { error, code: 'internal_error' });

    expect(capture.lines).toHaveLength(1);
    expect(capture.lines[0]).toMatchObject({
      message: 'request failed',
      correlation_id: 'c-1',
      principal: 'ops',
      code: 'internal_error',
      error: { class: 'TypeError', message: 'Cannot read properties of undefined', code: 'E_TEST' },
    });
    expect((capture.lines[0]!.error as { stack: string }).stack).toContain('logger.test.ts');
  });
});
