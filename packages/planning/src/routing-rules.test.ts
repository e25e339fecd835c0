import { describe, expect, it } from 'vitest';
import { TASK_TYPE_NAMES, TASK_TYPES } from '@hookfleet/queue';
import { planEvent } from './planners.js';
import { MAX_ROUTING_RULES, matchingRule, routingRulesSchema, type RoutingRule } from './routing-rules.js';

const options = { botMention: '@hookfleet' };
const rules = (input: unknown): RoutingRule[] => routingRulesSchema.parse(input);
const refusal = (input: unknown) => {
  const parsed = routingRulesSchema.safeParse(input);
  if (parsed.success) throw new Error('expected a refusal');
  return parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
};

const invoice = (status: unknown, extra: Record<string, unknown> = {}) => ({
  provider: 'standard',
  eventType: 'invoice.paid',
  action: null,
  payload: { type: 'invoice.paid', data: { object: { status, amount: 1200 } }, ...extra },
});

describe('routing rules when saved', () => {
  it('takes a rule with an event, an action, a pointer equality, a queue and its tasks', () => {
    const [rule] = rules([
      {
        event: 'pull_request',
        action: 'opened',
        when: { pointer: '/pull_request/draft', equals: false },
        queue: 'validation',
        tasks: ['pull_request_analysis'],
      },
    ]);
    expect(rule).toMatchObject({ queue: 'validation', tasks: ['pull_request_analysis'] });
  });

  it('refuses an unknown queue and an unknown task type, naming the field', () => {
    expect(refusal([{ event: 'a', queue: 'nowhere', tasks: [] }])).toEqual([
      expect.objectContaining({ path: '0.queue' }),
    ]);
    expect(refusal([{ event: 'a', queue: 'deployment', tasks: ['deployment', 'launch_rockets'] }])).toEqual([
      expect.objectContaining({ path: '0.tasks.1' }),
    ]);
  });

  it('refuses a task type the catalogue puts on another queue, and one named twice', () => {
    const other = TASK_TYPE_NAMES.find((type) => TASK_TYPES[type].queue !== 'workflow')!;
    expect(refusal([{ event: 'a', queue: 'workflow', tasks: ['codegen_trigger', other] }])).toEqual([
      { path: '0.tasks.1', message: `${other} runs on queue "${TASK_TYPES[other].queue}", not "workflow"` },
    ]);
    expect(refusal([{ event: 'a', queue: 'deployment', tasks: ['deployment', 'deployment'] }])).toEqual([
      { path: '0.tasks.1', message: 'deployment is named twice' },
    ]);
  });

  it.each(['data/object', '/a~2b', '/a~', ''])('refuses the pointer %j', (pointer) => {
    expect(refusal([{ event: 'a', when: { pointer, equals: 1 }, queue: 'default' }])).toEqual([
      expect.objectContaining({ path: '0.when.pointer' }),
    ]);
  });

  it('refuses an object as the value to compare, unknown keys, and more rules than the limit', () => {
    expect(refusal([{ event: 'a', when: { pointer: '/a', equals: { b: 1 } }, queue: 'default' }])).toEqual([
      expect.objectContaining({ path: '0.when.equals' }),
    ]);
    expect(refusal([{ event: 'a', queue: 'default', priority: 1 }])).toEqual([expect.objectContaining({ path: '0' })]);
    const many = Array.from({ length: MAX_ROUTING_RULES + 1 }, () => ({ event: 'a', queue: 'default' }));
    expect(refusal(many)).toEqual([expect.objectContaining({ path: '' })]);
    expect(rules(many.slice(1))).toHaveLength(MAX_ROUTING_RULES);
  });
});

describe('matching', () => {
  const list = rules([
    { event: 'invoice.paid', when: { pointer: '/data/object/status', equals: 'paid' }, queue: 'deployment' },
    { event: 'invoice.paid', queue: 'recovery' },
    { event: 'pull_request', action: 'closed', queue: 'workflow' },
    { event: '*', queue: 'default' },
  ]);
  const index = (event: Parameters<typeof matchingRule>[1]) => matchingRule(list, event)?.index;

  it('takes the first rule that matches, in order', () => {
    expect(index(invoice('paid'))).toBe(0);
    expect(index(invoice('open'))).toBe(1);
    expect(index({ provider: 'github', eventType: 'pull_request', action: 'closed', payload: {} })).toBe(2);
    expect(index({ provider: 'github', eventType: 'pull_request', action: 'opened', payload: {} })).toBe(3);
  });

  it('compares exactly: a number is not its string, a missing value is not null', () => {
    const only = rules([{ event: '*', when: { pointer: '/data/object/amount', equals: 1200 }, queue: 'default' }]);
    expect(matchingRule(only, invoice('paid'))).not.toBeNull();
    const asText = rules([{ event: '*', when: { pointer: '/data/object/amount', equals: '1200' }, queue: 'default' }]);
    expect(matchingRule(asText, invoice('paid'))).toBeNull();
    const isNull = rules([{ event: '*', when: { pointer: '/data/object/status', equals: null }, queue: 'default' }]);
    expect(matchingRule(isNull, invoice(null))).not.toBeNull();
    expect(matchingRule(isNull, { ...invoice(null), payload: { data: { object: {} } } })).toBeNull();
  });

  it('finds nothing through a scalar, a missing key or a prototype', () => {
    const through = rules([{ event: '*', when: { pointer: '/type/length', equals: 12 }, queue: 'default' }]);
    expect(matchingRule(through, invoice('paid'))).toBeNull();
    const missing = rules([{ event: '*', when: { pointer: '/nothing/here', equals: 'x' }, queue: 'default' }]);
    expect(matchingRule(missing, invoice('paid'))).toBeNull();
    const proto = rules([
      { event: '*', when: { pointer: '/data/constructor/name', equals: 'Object' }, queue: 'default' },
    ]);
    expect(matchingRule(proto, invoice('paid'))).toBeNull();
  });

  it('reads escaped segments and array indexes', () => {
    const escaped = rules([{ event: '*', when: { pointer: '/lines/1/a~1b', equals: true }, queue: 'default' }]);
    expect(matchingRule(escaped, invoice('paid', { lines: [{}, { 'a/b': true }] }))).not.toBeNull();
  });
});

describe('planEvent with routing rules', () => {
  it('plans a Standard Webhooks event no built-in planner knows as the rule says', () => {
    const routes = rules([
      {
        event: 'invoice.paid',
        when: { pointer: '/data/object/status', equals: 'paid' },
        queue: 'deployment',
        tasks: ['deployment'],
      },
    ]);
    const plan = planEvent(invoice('paid'), { ...options, routes });
    expect(plan.queue).toBe('deployment');
    expect(plan.tasks).toEqual([
      {
        type: 'deployment',
        prNumber: null,
        branch: null,
        commitSha: null,
        input: { provider: 'standard', event_type: 'invoice.paid', action: null, routing_rule: 0 },
      },
    ]);
    expect(planEvent(invoice('draft'), { ...options, routes })).toEqual(planEvent(invoice('draft'), options));
    expect(planEvent(invoice('draft'), options)).toMatchObject({ queue: 'default', tasks: [] });
  });

  it("gives the rule's tasks its fixed input and the payload's values at its pointers", () => {
    const routes = rules([
      {
        event: 'invoice.paid',
        queue: 'workflow',
        tasks: ['codegen_trigger'],
        input: { user_request: { pointer: '/data/object/amount' }, author: 'billing', note: { pointer: '/nope' } },
      },
    ]);
    const [task] = planEvent(invoice('paid'), { ...options, routes }).tasks;
    expect(task?.input).toEqual({
      user_request: 1200,
      author: 'billing',
      note: null,
      provider: 'standard',
      event_type: 'invoice.paid',
      action: null,
      routing_rule: 0,
    });
    expect(refusal([{ event: 'a', queue: 'default', input: { provider: 'x' } }])).toEqual([
      { path: '0.input.provider', message: 'is set by the planner' },
    ]);
    expect(refusal([{ event: 'a', queue: 'default', input: { reply_to: { pointer: '/channel' } } }])).toEqual([
      { path: '0.input.reply_to', message: 'is set by the planner' },
    ]);
    expect(refusal([{ event: 'a', queue: 'default', input: { 'User Request': 'x' } }])).toEqual([
      expect.objectContaining({ path: '0.input.User Request' }),
    ]);
    expect(refusal([{ event: 'a', queue: 'default', input: { user_request: { pointer: 'x' } } }])).toEqual([
      expect.objectContaining({ path: '0.input.user_request.pointer' }),
    ]);
  });

  const pullRequest = {
    provider: 'github',
    eventType: 'pull_request',
    action: 'opened',
    payload: {
      repository: { full_name: 'octo/repo', default_branch: 'main' },
      pull_request: {
        number: 42,
        title: 'Fix it',
        user: { login: 'ada' },
        head: { ref: 'fix', sha: 'abc' },
        base: { ref: 'main' },
        html_url: 'https://github.com/octo/repo/pull/42',
      },
    },
  };

  it('on a GitHub event, replaces the tasks but keeps the workflow, its signal and the task inputs it shares', () => {
    const builtIn = planEvent(pullRequest, options);
    const routes = rules([
      { event: 'pull_request', action: 'opened', queue: 'validation', tasks: ['review_pull_request'] },
    ]);
    const plan = planEvent(pullRequest, { ...options, routes });
    expect(builtIn.tasks.map((task) => task.type)).toEqual(['pull_request_analysis', 'review_pull_request']);
    expect(plan).toEqual({ ...builtIn, tasks: [builtIn.tasks[1]] });
  });

  it('a rule without tasks records the event on its queue; rules that do not match leave the built-in plan', () => {
    const quiet = rules([{ event: 'pull_request', queue: 'default' }]);
    expect(planEvent(pullRequest, { ...options, routes: quiet })).toMatchObject({
      queue: 'default',
      tasks: [],
      signal: 'opened',
    });
    const elsewhere = rules([{ event: 'pull_request', action: 'closed', queue: 'default' }]);
    expect(planEvent(pullRequest, { ...options, routes: elsewhere })).toEqual(planEvent(pullRequest, options));
  });
});
