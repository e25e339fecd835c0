// Routing rules: a source's own answer to "what does this event become", set by an operator without code.
// An ordered list; the first rule that matches an event names its queue and its tasks. Rules are checked
// against the queue catalogue when saved, so a stored rule always names queues and task types that exist.
import { z } from 'zod';
import { parseJsonPointer, valueAtPointer } from '@hookfleet/providers';
import { QUEUE_NAMES, TASK_TYPES, TASK_TYPE_NAMES } from '@hookfleet/queue';
import type { EventPlan, PlannableEvent, PlannedTask } from './plan.js';
import { REPLY_TO } from './reply-target.js';

/** Rules per source: enough for a sender's event kinds, small enough to walk on every delivery. */
export const MAX_ROUTING_RULES = 50;
/** An event type matching every event. */
export const ANY_EVENT = '*';

/** Whether a string is a JSON Pointer (RFC 6901): "" or "/"-led segments with "~" only as "~0" or "~1". */
function jsonPointerError(pointer: string): string | null {
  if (pointer === '') return 'must point into the payload ("/a/b"), not be the whole document';
  return parseJsonPointer(pointer) === null
    ? 'must be a JSON Pointer (RFC 6901): "/"-separated segments, "~" written as "~0" and "/" as "~1"'
    : null;
}

const name = z.string().min(1).max(200);

const pointerSchema = z
  .string()
  .max(1000)
  .superRefine((pointer, ctx) => {
    const error = jsonPointerError(pointer);
    if (error) ctx.addIssue({ code: 'custom', message: error });
  });

/** Why a key may not be set in a rule's input; null when it may: what task runners read, not the planner's own. */
function inputKeyError(key: string): string | null {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(key)) return 'must be a snake_case name, e.g. user_request';
  return RESERVED_INPUT_KEYS.has(key) ? 'is set by the planner' : null;
}

/**
 * Input keys a rule may not set: those every rule-made task carries already, and where the bot answers
 * (reply_to): taken from a payload, it would let a sender pick the Slack channel or Linear issue the bot
 * posts in.
 */
const RESERVED_INPUT_KEYS: ReadonlySet<string> = new Set([
  'provider',
  'event_type',
  'action',
  'routing_rule',
  REPLY_TO,
]);

export const routingRuleSchema = z
  .object({
    /** The event type ("invoice.paid", "pull_request"), or "*" for any. */
    event: name,
    /** Only events with this action (e.g. "opened"); omitted: any action, or none. */
    action: name.optional(),
    /** Only events whose payload holds `equals` at `pointer`: a string, number, boolean or null, compared exactly. */
    when: z
      .object({
        pointer: pointerSchema,
        equals: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
      })
      .strict()
      .optional(),
    /** The queue the event's job runs on. */
    queue: z.enum(QUEUE_NAMES),
    /** The tasks made for the event, in order; none: the event is stored and recorded on `queue`. */
    tasks: z.array(z.enum(TASK_TYPE_NAMES)).max(TASK_TYPE_NAMES.length).default([]),
    /**
     * What the rule's tasks are given besides what the event says of itself: a fixed text, or the payload's
     * value at a JSON Pointer (null when it has none), e.g. {"user_request": {"pointer": "/issue/description"}}
     * for a codegen_trigger.
     */
    input: z
      .record(z.string(), z.union([z.string().max(10_000), z.object({ pointer: pointerSchema }).strict()]))
      .superRefine((input, ctx) => {
        const keys = Object.keys(input);
        if (keys.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 keys' });
        for (const key of keys) {
          const error = inputKeyError(key);
          if (error) ctx.addIssue({ code: 'custom', path: [key], message: error });
        }
      })
      .optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    // An event's job runs on one queue, whose workers carry out its tasks: every task type the rule names
    // must be one the catalogue puts on that queue. The queue is named rather than derived so that a rule
    // reads as where the work goes, a rule without tasks can still choose a queue, and a rule written for a
    // queue its tasks do not run on is refused instead of quietly moved.
    rule.tasks.forEach((task, index) => {
      const queue = TASK_TYPES[task].queue;
      if (queue !== rule.queue) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', index],
          message: `${task} runs on queue "${queue}", not "${rule.queue}"`,
        });
      }
      if (rule.tasks.indexOf(task) !== index) {
        ctx.addIssue({ code: 'custom', path: ['tasks', index], message: `${task} is named twice` });
      }
    });
  });

export const routingRulesSchema = z.array(routingRuleSchema).max(MAX_ROUTING_RULES);

export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Whether a rule applies to an event. */
export function ruleMatches(rule: RoutingRule, event: PlannableEvent): boolean {
  if (rule.event !== ANY_EVENT && rule.event !== event.eventType) return false;
  if (rule.action !== undefined && rule.action !== event.action) return false;
  if (rule.when === undefined) return true;
  return valueAt(event.payload, rule.when.pointer) === rule.when.equals;
}

/** The value at a pointer; undefined when the payload has none there (a missing key, a walk through a scalar). */
function valueAt(payload: unknown, pointer: string): unknown {
  // Own properties only: "/__proto__" or "/constructor" find nothing.
  const tokens = parseJsonPointer(pointer);
  return tokens === null ? undefined : valueAtPointer(payload, tokens);
}

/** The first rule that applies to the event, with its place in the list; null when none does. */
export function matchingRule(
  rules: readonly RoutingRule[],
  event: PlannableEvent,
): { rule: RoutingRule; index: number } | null {
  const index = rules.findIndex((rule) => ruleMatches(rule, event));
  return index === -1 ? null : { rule: rules[index]!, index };
}

/**
 * The plan a rule makes of an event, over the plan the built-in planner made of it (`builtIn`): the rule
 * decides the queue and the tasks; the workflow, its signal and an installation change stay the built-in
 * planner's, so a rule on a GitHub source changes the work without losing the pull request's lifecycle.
 * A task the built-in planner also makes for this event keeps its input (what its downstream expects, e.g.
 * MAS's title and author); any other carries what the event says of itself and which rule made it, while
 * the payload stays in the event's row for the downstream to read by the event id it is sent.
 */
export function planByRule(
  match: { rule: RoutingRule; index: number },
  event: PlannableEvent,
  builtIn: EventPlan,
): EventPlan {
  const ref = builtIn.workflow;
  const tasks = match.rule.tasks.map(
    (type): PlannedTask =>
      builtIn.tasks.find((task) => task.type === type) ?? {
        type,
        prNumber: ref?.prNumber ?? null,
        branch: ref?.branch ?? null,
        commitSha: ref?.headSha ?? null,
        input: {
          ...ruleInput(match.rule, event),
          provider: event.provider,
          event_type: event.eventType,
          action: event.action,
          routing_rule: match.index,
        },
      },
  );
  return { ...builtIn, queue: match.rule.queue, tasks };
}

/** A rule's input for an event: its fixed texts, and the payload's values at its pointers. */
function ruleInput(rule: RoutingRule, event: PlannableEvent): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rule.input ?? {}).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : (valueAt(event.payload, value.pointer) ?? null),
    ]),
  );
}
