import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileValidationRules, createPayloadValidator } from './payload-validator.js';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}
const groups = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];
const validator = createPayloadValidator();
const action = (payload: Record<string, unknown>) => (typeof payload.action === 'string' ? payload.action : null);

describe('GitHub schemas', () => {
  it('accept the published examples, except those older than their own published schema', () => {
    const failures: Array<{ example: string; message: string }> = [];
    let checked = 0;
    for (const group of groups) {
      for (const payload of group.examples) {
        const verdict = validator.validate({
          provider: 'github',
          eventType: group.name,
          action: action(payload),
          payload,
        });
        if (verdict.checked.length > 0) checked++;
        if (!verdict.valid)
          failures.push({ example: `${group.name}.${action(payload)}`, message: verdict.errors[0]!.message });
      }
    }
    expect(checked).toBeGreaterThan(300);
    // Known mismatches in @octokit/webhooks-examples 7.6: examples recorded before GitHub added fields the
    // schemas now require (repository.is_template, custom_properties...), a few date formats and extra
    // properties. They are why a source records verdicts by default and enforces only when asked.
    expect(failures.length).toBeLessThanOrEqual(52);
    for (const failure of failures) {
      expect(failure.message, failure.example).toMatch(
        /must have required property|must match format|must NOT have additional properties|must be equal to one of|must be (string|null|integer|object|number|boolean|array)|must match exactly one schema/,
      );
    }
  });

  it('refuse a wrong type and a missing required field, naming the path', () => {
    // An opened example that is valid as published, so that only our change can make it invalid.
    const opened = groups
      .find((group) => group.name === 'pull_request')!
      .examples.find(
        (payload) =>
          payload.action === 'opened' &&
          validator.validate({ provider: 'github', eventType: 'pull_request', action: 'opened', payload }).valid,
      )!;
    const pr = opened.pull_request as Record<string, unknown>;
    const wrongType = validator.validate({
      provider: 'github',
      eventType: 'pull_request',
      action: 'opened',
      payload: { ...opened, pull_request: { ...pr, number: '42' } },
    });
    expect(wrongType.valid).toBe(false);
    expect(JSON.stringify(wrongType)).toContain('/pull_request/number');
    const { repository: _omitted, ...withoutRepository } = opened;
    expect(
      validator.validate({
        provider: 'github',
        eventType: 'pull_request',
        action: 'opened',
        payload: withoutRepository,
      }).valid,
    ).toBe(false);
  });

  it('check nothing for an event without a schema or another provider', () => {
    expect(validator.validate({ provider: 'github', eventType: 'made_up', action: null, payload: {} })).toEqual({
      valid: true,
      checked: [],
    });
    expect(
      validator.validate({ provider: 'gitlab', eventType: 'pull_request', action: 'opened', payload: {} }),
    ).toEqual({ valid: true, checked: [] });
  });
});

describe('operator rules', () => {
  const rules = {
    pull_request: { type: 'object', required: ['pull_request'] },
    'merge_request.open': { type: 'object', properties: { title: { type: 'string', pattern: '^[A-Z]+-\\d+' } } },
  };

  it('apply by event type and by event type and action, for any provider', () => {
    expect(
      validator.validate({
        provider: 'gitlab',
        eventType: 'merge_request',
        action: 'open',
        payload: { title: 'ENG-1 fix' },
        rules,
      }),
    ).toMatchObject({ valid: true, checked: ['rule:merge_request.open'] });
    const bad = validator.validate({
      provider: 'gitlab',
      eventType: 'merge_request',
      action: 'open',
      payload: { title: 'fix' },
      rules,
    });
    expect(bad).toMatchObject({ valid: false, errors: [{ path: '/title' }] });
    expect(
      validator.validate({ provider: 'slack', eventType: 'pull_request', action: null, payload: {}, rules }).valid,
    ).toBe(false);
  });

  it('are looked up by own key only: an event type such as "constructor" or "__proto__" finds no rule', () => {
    for (const eventType of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(
        validator.validate({ provider: 'slack', eventType, action: 'valueOf', payload: {}, rules }),
        eventType,
      ).toEqual({ valid: true, checked: [] });
    }
  });

  it('are refused when they are not compilable JSON Schemas', () => {
    expect(compileValidationRules({ push: { type: 'nope' } }).ok).toBe(false);
    expect(compileValidationRules([{}]).ok).toBe(false);
    expect(compileValidationRules({ push: 'x' }).ok).toBe(false);
    expect(compileValidationRules(rules)).toEqual({ ok: true, rules });
  });
});
