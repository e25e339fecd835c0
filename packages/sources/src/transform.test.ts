import { afterAll, describe, expect, it } from 'vitest';
import { createTransformSandbox } from './transform.js';

// Real worker threads; the limits are small so that breaking them is quick.
const sandbox = createTransformSandbox({ timeoutMs: 1500, maxHeapMb: 32, maxOutputBytes: 64 * 1024, concurrency: 2 });
afterAll(() => sandbox.close());

const payload = { pull_request: { number: 42, title: 'Fix it' }, repository: { full_name: 'octo/repo' } };

describe('transform sandbox', () => {
  it('returns the result of an ordinary expression', async () => {
    const outcome = await sandbox.run('{"pr": pull_request.number, "repo": repository.full_name}', payload);
    expect(outcome).toMatchObject({ ok: true, result: { pr: 42, repo: 'octo/repo' } });
  });

  it('stores "nothing matched" as null', async () => {
    expect(await sandbox.run('missing.field', payload)).toMatchObject({ ok: true, result: null });
  });

  it('stops an endless (tail) recursion at the time limit', async () => {
    const outcome = await sandbox.run('($loop := function($x) { $loop($x + 1) }; $loop(0))', payload);
    expect(outcome).toMatchObject({ ok: false, limit: 'time' });
  });

  it('ends a sandbox process whose expression needs more heap than allowed', async () => {
    const outcome = await sandbox.run('[1..10000000]', payload);
    expect(outcome).toMatchObject({ ok: false, limit: 'memory' });
  });

  it('stops a deep (non-tail) recursion by one limit or the other', async () => {
    const outcome = await sandbox.run('($deep := function($x) { 1 + $deep($x + 1) }; $deep(0))', payload);
    expect(outcome.ok).toBe(false);
    expect(['time', 'memory']).toContain(!outcome.ok && outcome.limit);
  });

  it('refuses a result above the output limit', async () => {
    const outcome = await sandbox.run('$pad("", 100000, "x")', payload);
    expect(outcome).toMatchObject({ ok: false, limit: 'output', message: /100002 bytes/ });
  });

  it('reports an expression error as such, not as a limit or a sandbox failure', async () => {
    const outcome = await sandbox.run('$number("not a number") + {}', payload);
    expect(outcome).toMatchObject({ ok: false, limit: null, sandboxFailed: false });
  });

  it('after close(), refuses as a sandbox failure (retryable) and starts no process', async () => {
    const other = createTransformSandbox({ timeoutMs: 3000, maxHeapMb: 32, maxOutputBytes: 1024, concurrency: 1 });
    expect(await other.run('1 + 1', {})).toMatchObject({ ok: true, result: 2 });
    const running = other.run('($loop := function($x) { $loop($x + 1) }; $loop(0))', {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    await other.close();
    expect(await running).toMatchObject({ ok: false, limit: null, sandboxFailed: true });
    expect(await other.run('1 + 1', {})).toMatchObject({ ok: false, sandboxFailed: true });
  });

  it('keeps serving other transforms while one loops', async () => {
    const looping = sandbox.run('($loop := function($x) { $loop($x + 1) }; $loop(0))', payload);
    const ordinary = await Promise.all([1, 2, 3].map((n) => sandbox.run(`pull_request.number + ${n}`, payload)));
    expect(ordinary.map((outcome) => (outcome.ok ? outcome.result : outcome))).toEqual([43, 44, 45]);
    expect(await looping).toMatchObject({ ok: false, limit: 'time' });
    // And after the stopped thread: a fresh one.
    expect(await sandbox.run('pull_request.title', payload)).toMatchObject({ ok: true, result: 'Fix it' });
  });
});
