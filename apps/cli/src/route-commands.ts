// hookfleet routes: a source's routing rules from a terminal (list, add, remove, set), through the admin
// API, which checks each change against the queue catalogue and names the field it refuses.
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { AdminClient } from './admin-client.js';
import { printJson, printTable, type Output } from './output.js';

const RULE_COLUMNS = ['index', 'event', 'action', 'when', 'queue', 'tasks'];

interface Rule {
  event: string;
  action?: string;
  when?: { pointer: string; equals: unknown };
  queue: string;
  tasks: string[];
}

interface RuleList {
  data: Rule[];
}

interface AddOptions {
  event: string;
  action?: string;
  pointer?: string;
  equals?: string | number | boolean | null;
  queue: string;
  task: string[];
  input: [string, string][];
  inputFrom: [string, string][];
  json?: boolean;
}

/**
 * --equals as the JSON scalar it spells (42, true, null, "42" in quotes); any other text is a string, so
 * `--equals paid` needs no quotes.
 */
export function parseEquals(text: string): string | number | boolean | null {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      return value as string | number | boolean | null;
    }
  } catch {
    // Not JSON: the text itself.
  }
  return text;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** A repeated `key=value` option, split at its first "=". */
const collectPair = (value: string, previous: [string, string][]): [string, string][] => {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('expected key=value, e.g. user_request=/issue/title');
  return [...previous, [value.slice(0, at), value.slice(at + 1)]];
};

const nonNegativeIndex = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('must be a rule index (0, 1, ...)');
  return number;
};

const routesPath = (sourceId: string) => `/api/v1/sources/${encodeURIComponent(sourceId)}/routes`;

export function registerRouteCommands(
  program: Command,
  deps: { admin: (command: Command) => AdminClient; stdout: Output },
): void {
  const { admin, stdout } = deps;
  const printRules = (list: RuleList, json: boolean | undefined) => {
    if (json) return printJson(stdout, list);
    printTable(
      stdout,
      list.data.map((rule, index) => ({
        index,
        ...rule,
        when: rule.when ? `${rule.when.pointer} == ${JSON.stringify(rule.when.equals)}` : null,
        tasks: rule.tasks.join(',') || null,
      })),
      RULE_COLUMNS,
    );
  };

  const routes = program
    .command('routes')
    .description('A source’s routing rules: the first that matches an event decides its queue and tasks');

  routes
    .command('list')
    .description('The rules in the order they are tried')
    .argument('<sourceId>', 'source id')
    .option('--json', 'print the raw JSON')
    .action(async (sourceId: string, options: { json?: boolean }, command: Command) => {
      printRules(await admin(command).get<RuleList>(routesPath(sourceId)), options.json);
    });

  routes
    .command('add')
    .description('Add a rule after the others')
    .argument('<sourceId>', 'source id')
    .requiredOption('--event <type>', 'the event type it matches, e.g. invoice.paid ("*": any)')
    .option('--action <action>', 'only events with this action')
    .option('--pointer <pointer>', 'only events whose payload at this JSON Pointer (e.g. /data/object/status) ...')
    .option(
      '--equals <value>',
      '... equals this: a JSON scalar (42, true, null, "42"), else the text itself',
      parseEquals,
    )
    .requiredOption('--queue <queue>', 'the queue its job runs on')
    .option('--task <type>', 'a task type to make (repeat for several; none: record only)', collect, [])
    .option('--input <key=text>', "a fixed value in the tasks' input (repeat for several)", collectPair, [])
    .option(
      '--input-from <key=pointer>',
      "a value the tasks' input takes from the payload at a JSON Pointer, e.g. user_request=/issue/title",
      collectPair,
      [],
    )
    .option('--json', 'print the raw JSON')
    .action(async (sourceId: string, options: AddOptions, command: Command) => {
      if ((options.pointer === undefined) !== (options.equals === undefined)) {
        command.error('error: --pointer and --equals go together');
      }
      const rule = {
        event: options.event,
        ...(options.action === undefined ? {} : { action: options.action }),
        ...(options.pointer === undefined ? {} : { when: { pointer: options.pointer, equals: options.equals } }),
        queue: options.queue,
        tasks: options.task,
        ...(options.input.length + options.inputFrom.length === 0
          ? {}
          : {
              input: Object.fromEntries([
                ...options.input,
                ...options.inputFrom.map(([key, pointer]) => [key, { pointer }] as const),
              ]),
            }),
      };
      const added = await admin(command).post<RuleList & { index: number }>(routesPath(sourceId), rule);
      if (options.json) return printJson(stdout, added);
      stdout.write(`added rule ${added.index}\n`);
      printRules(added, false);
    });

  routes
    .command('remove')
    .description('Remove a rule by its index (see `routes list`)')
    .argument('<sourceId>', 'source id')
    .argument('<index>', 'the rule’s index', nonNegativeIndex)
    .option('--json', 'print the raw JSON')
    .action(async (sourceId: string, index: number, options: { json?: boolean }, command: Command) => {
      const left = await admin(command).delete<RuleList>(`${routesPath(sourceId)}/${index}`);
      if (!options.json) stdout.write(`removed rule ${index}\n`);
      printRules(left, options.json);
    });

  routes
    .command('set')
    .description('Replace every rule with those in a JSON file (an array of rules)')
    .argument('<sourceId>', 'source id')
    .requiredOption('--file <file>', 'a JSON file holding the rules')
    .option('--json', 'print the raw JSON')
    .action(async (sourceId: string, options: { file: string; json?: boolean }, command: Command) => {
      let rules: unknown;
      try {
        rules = JSON.parse(await readFile(options.file, 'utf8'));
      } catch (error) {
        command.error(`error: --file ${options.file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      printRules(await admin(command).put<RuleList>(routesPath(sourceId), { routes: rules }), options.json);
    });
}
