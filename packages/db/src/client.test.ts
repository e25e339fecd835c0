import { describe, expect, it } from 'vitest';
import { DatabaseTimeoutError, fromPoolError, isDatabaseUnavailable } from './client.js';

describe('isDatabaseUnavailable', () => {
  it.each([
    ['the pool could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['the connection dropped', new Error('Connection terminated unexpectedly')],
    [
      'Prisma could not reach the server',
      Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' }),
    ],
    [
      'the server is shutting down',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['too many connections', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['a caller’s own deadline', new DatabaseTimeoutError('no answer from the database in 5000 ms')],
    ['wrapped by the adapter', new Error('query failed', { cause: new Error('Connection terminated unexpectedly') })],
  ])('is true when %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'a downstream refused the connection (axios)',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { isAxiosError: true, code: 'ECONNREFUSED' }),
    ],
    [
      'a forward target refused the connection',
      new Error('forward failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9'),
    ],
    ['a unique violation', Object.assign(new Error('Unique constraint failed'), { code: 'P2002' })],
    ['a transaction that took too long', Object.assign(new Error('Transaction already closed'), { code: 'P2028' })],
    ['a programming error', new TypeError('Cannot read properties of undefined')],
  ])('is false when %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('fromPoolError', () => {
  it("makes the pool's socket errors the database's, and leaves what Postgres answered alone", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(refused)).toBe(false); // on its own it could be any service's
    expect(isDatabaseUnavailable(fromPoolError(refused))).toBe(true);
    const duplicate = Object.assign(new Error('duplicate key value'), { code: '23505' });
    expect(fromPoolError(duplicate)).toBe(duplicate);
    expect(isDatabaseUnavailable(fromPoolError(duplicate))).toBe(false);
    const dns = Object.assign(new Error('getaddrinfo EAI_AGAIN postgres'), { code: 'EAI_AGAIN' });
    expect(isDatabaseUnavailable(fromPoolError(dns))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(
      true,
    );
  });
});
