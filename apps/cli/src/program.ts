// The hookfleet command tree (commander). Everything the commands need from outside (env, the output
// streams) comes in through createProgram, so only main.ts touches process.
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AdminClient, ApiError, type Query } from './admin-client.js';
import { followOperation } from './follow-operation.js';
import { githubExample } from './github-example.js';
import { cell, printJson, printRecord, printTable, type Output } from './output.js';
import { registerRouteCommands } from './route-commands.js';
import { sendDelivery, type DeliveryResult } from './send-delivery.js';
import { registerSourceCommands } from './source-commands.js';

export const DEFAULT_INGRESS_URL = 'http://localhost:3001/webhooks/github';
export const DEFAULT_ADMIN_URL = 'http://localhost:3002';

export interface CliEnv {
  HOOKFLEET_ADMIN_URL?: string;
  HOOKFLEET_ADMIN_TOKEN?: string;
  GITHUB_WEBHOOK_SECRET?: string;
}

export interface CliDeps {
  env: CliEnv;
  stdout: Output;
  stderr: NodeJS.WriteStream;
}

/** A command that has already printed what went wrong; main exits 1 with this message. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

const EVENT_COLUMNS = ['id', 'event_type', 'action', 'status', 'repository', 'attempts', 'created_at'];
const TASK_COLUMNS = ['id', 'task_type', 'status', 'repository', 'pr_number', 'retry_count', 'created_at'];
const EXECUTION_COLUMNS = ['attempt', 'status', 'started_at', 'duration_ms', 'error_message'];
const DEAD_LETTER_COLUMNS = ['queue', 'job_id', 'event_type', 'action', 'repository', 'attempts_made', 'failed_at'];

interface Page {
  data: Array<Record<string, unknown>>;
  pagination: Record<string, unknown>;
}

const positiveInt = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive integer');
  return number;
};

export function createProgram(deps: CliDeps): Command {
  const { env, stdout } = deps;
  const program = new Command('hookfleet')
    .description('Send signed GitHub test deliveries and operate a Hookfleet through its admin API')
    .addOption(new Option('--admin-url <url>', 'admin API base URL (env HOOKFLEET_ADMIN_URL)'))
    .addOption(new Option('--token <token>', 'admin API token (env HOOKFLEET_ADMIN_TOKEN)'))
    .showHelpAfterError();

  const admin = (command: Command): AdminClient => {
    const options = command.optsWithGlobals<{ adminUrl?: string; token?: string }>();
    return new AdminClient({
      baseUrl: options.adminUrl ?? env.HOOKFLEET_ADMIN_URL ?? DEFAULT_ADMIN_URL,
      token: options.token ?? env.HOOKFLEET_ADMIN_TOKEN,
    });
  };
  const secretOf = (secret: string | undefined): string => {
    const value = secret ?? env.GITHUB_WEBHOOK_SECRET;
    if (!value) throw new CommandFailed('no webhook secret: pass --secret or set GITHUB_WEBHOOK_SECRET');
    return value;
  };
  const printPage = (page: Page, columns: string[], json: boolean | undefined) => {
    if (json) return printJson(stdout, page);
    printTable(stdout, page.data, columns);
    const { next_cursor: next, total } = page.pagination;
    stdout.write(`${page.data.length} of ${cell(total)}${next ? `; next page: --cursor ${cell(next)}` : ''}\n`);
  };

  // send
  program
    .command('send')
    .description('Sign and send one GitHub delivery (default payload: an @octokit/webhooks-examples example)')
    .argument('<event>', 'X-GitHub-Event, e.g. pull_request')
    .option('--action <action>', 'pick the example with this action')
    .option('--payload <file>', 'JSON file to send instead of the example')
    .option('--url <url>', 'ingress webhook URL', DEFAULT_INGRESS_URL)
    .option('--secret <secret>', 'webhook secret (env GITHUB_WEBHOOK_SECRET)')
    .option('--delivery-id <id>', 'X-GitHub-Delivery (a new UUID by default)')
    .action(async (event: string, options: SendOptions) => {
      const payload = options.payload
        ? JSON.parse(await readFile(options.payload, 'utf8'))
        : githubExample(event, options.action);
      const result = await sendDelivery({
        url: options.url,
        secret: secretOf(options.secret),
        event,
        payload,
        deliveryId: options.deliveryId,
      });
      stdout.write(`HTTP ${result.status} (delivery ${result.deliveryId})\n`);
      printJson(stdout, result.body);
      if (!accepted(result)) throw refusal(result);
    });

  // replay
  program
    .command('replay')
    .description('Send every delivery of a JSONL file in order: {"event", "payload", "delivery_id"?} per line')
    .argument('<file>', 'JSONL file')
    .option('--url <url>', 'ingress webhook URL', DEFAULT_INGRESS_URL)
    .option('--secret <secret>', 'webhook secret (env GITHUB_WEBHOOK_SECRET)')
    .action(async (file: string, options: { url: string; secret?: string }) => {
      const secret = secretOf(options.secret);
      const lines = (await readFile(file, 'utf8')).split('\n');
      let sent = 0;
      let refused = 0;
      for (const [index, line] of lines.entries()) {
        if (line.trim() === '') continue;
        const where = `${file}:${index + 1}`;
        const entry = parseReplayLine(line);
        if (typeof entry === 'string') {
          refused += 1;
          stdout.write(`${where}  not sent: ${entry}\n`);
          continue;
        }
        const result = await sendDelivery({ url: options.url, secret, ...entry });
        sent += 1;
        const answer = result.body as { status?: string; code?: string; error?: string } | null;
        const what = accepted(result) ? (answer?.status ?? '') : `${answer?.code ?? ''} ${answer?.error ?? ''}`;
        stdout.write(`${where}  ${entry.event}  ${result.deliveryId}  ${result.status} ${what.trim()}\n`);
        if (!accepted(result)) refused += 1;
      }
      if (refused > 0) throw new CommandFailed(`${refused} of ${sent + refused} deliveries were refused or not sent`);
    });

  // events
  const events = program.command('events').description('Received events');
  events
    .command('list')
    .description('Events, newest first')
    .option('--status <status>', 'received, queued, processing, processed, failed, dead, ...')
    .option('--event-type <type>', 'e.g. pull_request')
    .option('--action <action>')
    .option('--repository <owner/name>')
    .option('--delivery-id <id>', 'X-GitHub-Delivery')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--json', 'print the raw JSON')
    .action(async (options: EventListOptions, command: Command) => {
      const query: Query = {
        status: options.status,
        event_type: options.eventType,
        action: options.action,
        repository: options.repository,
        delivery_id: options.deliveryId,
        limit: options.limit,
        cursor: options.cursor,
      };
      printPage(await admin(command).get<Page>('/api/v1/events', query), EVENT_COLUMNS, options.json);
    });
  events
    .command('show')
    .description('One event with its tasks')
    .argument('<id>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const event = await admin(command).get<Record<string, unknown>>(`/api/v1/events/${encodeURIComponent(id)}`);
      if (options.json) return printJson(stdout, event);
      printRecord(stdout, event);
      stdout.write('\ntasks:\n');
      printTable(stdout, (event.tasks ?? []) as Array<Record<string, unknown>>, TASK_COLUMNS);
    });
  events
    .command('reprocess')
    .description('Run one finished event again, or (with --filter-*) every matching event as an operation')
    .argument('[id]')
    .option('--filter-status <status>', 'e.g. dead')
    .option('--filter-event-type <type>')
    .option('--filter-action <action>')
    .option('--filter-repository <owner/name>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string | undefined, options: ReprocessOptions, command: Command) => {
      const client = admin(command);
      const filter = Object.fromEntries(
        Object.entries({
          status: options.filterStatus,
          event_type: options.filterEventType,
          action: options.filterAction,
          repository: options.filterRepository,
        }).filter(([, value]) => value !== undefined),
      );
      const bulk = Object.keys(filter).length > 0;
      if (bulk === (id !== undefined)) throw new CommandFailed('give either an event id or at least one --filter-*');
      if (id !== undefined) {
        const answer = await client.post<Record<string, unknown>>(`/api/v1/events/${encodeURIComponent(id)}/reprocess`);
        return options.json ? printJson(stdout, answer) : printRecord(stdout, answer);
      }
      const started = await client.post<{ operation_id: string }>('/api/v1/events/reprocess', { filter });
      const operation = await followOperation(client, started.operation_id, { stream: deps.stderr });
      if (options.json) return printJson(stdout, operation);
      const progress = operation.progress;
      stdout.write(
        `operation ${operation.id} ${operation.state}: ${progress?.done ?? 0}/${progress?.total ?? 0} reprocessed, ` +
          `${progress?.skipped ?? 0} skipped, ${progress?.failed ?? 0} failed\n`,
      );
      for (const error of progress?.errors ?? []) stdout.write(`  ${error}\n`);
    });

  // tasks
  const tasks = program.command('tasks').description('Workflow tasks');
  tasks
    .command('list')
    .description('Tasks, newest first')
    .option('--status <status>')
    .option('--task-type <type>')
    .option('--repository <owner/name>')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--offset <n>', 'rows to skip', Number)
    .option('--json', 'print the raw JSON')
    .action(async (options: TaskListOptions, command: Command) => {
      const query: Query = {
        status: options.status,
        task_type: options.taskType,
        repository: options.repository,
        limit: options.limit,
        offset: options.offset,
      };
      printPage(await admin(command).get<Page>('/api/v1/tasks', query), TASK_COLUMNS, options.json);
    });
  tasks
    .command('show')
    .description('One task with its executions')
    .argument('<id>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const task = await admin(command).get<Record<string, unknown>>(`/api/v1/tasks/${encodeURIComponent(id)}`);
      if (options.json) return printJson(stdout, task);
      printRecord(stdout, task);
      stdout.write('\nexecutions:\n');
      printTable(stdout, (task.executions ?? []) as Array<Record<string, unknown>>, EXECUTION_COLUMNS);
    });
  tasks
    .command('retry')
    .description('One more attempt at a failed or dead task')
    .argument('<id>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const answer = await admin(command).post<Record<string, unknown>>(
        `/api/v1/tasks/${encodeURIComponent(id)}/retry`,
      );
      return options.json ? printJson(stdout, answer) : printRecord(stdout, answer);
    });

  // dlq
  const dlq = program.command('dlq').description('Dead letters: failed jobs of every queue');
  dlq
    .command('list')
    .description('Dead letters, most recently failed first')
    .option('--queue <queue>', 'only this queue')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--offset <n>', 'rows to skip', Number)
    .option('--json', 'print the raw JSON')
    .action(async (options: { queue?: string; limit?: number; offset?: number; json?: boolean }, command: Command) => {
      const query: Query = { queue: options.queue, limit: options.limit, offset: options.offset };
      printPage(await admin(command).get<Page>('/api/v1/dead-letters', query), DEAD_LETTER_COLUMNS, options.json);
    });
  for (const verb of ['retry', 'discard'] as const) {
    dlq
      .command(verb)
      .description(verb === 'retry' ? 'Retry one dead letter' : 'Remove one dead letter; its event is marked discarded')
      .argument('<queue>')
      .argument('<jobId>')
      .option('--json', 'print the raw JSON')
      .action(async (queue: string, jobId: string, options: { json?: boolean }, command: Command) => {
        const path = `/api/v1/dead-letters/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}/${verb}`;
        const answer = await admin(command).post<Record<string, unknown>>(path);
        return options.json ? printJson(stdout, answer) : printRecord(stdout, answer);
      });
  }

  // sources
  const sources = program.command('sources').description('Sources (configured senders)');
  registerSourceCommands(sources, { admin, stdout });
  sources
    .command('transform-test')
    .description('Dry run: a transform expression (default: the source’s own) over a sample payload, in the sandbox')
    .argument('<id>', 'source id')
    .requiredOption('--payload <file>', 'a JSON file holding the sample payload')
    .option('--expression <jsonata>', 'the expression to try instead of the saved one')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { payload: string; expression?: string; json?: boolean }, command: Command) => {
      let payload: unknown;
      try {
        payload = JSON.parse(await readFile(options.payload, 'utf8'));
      } catch (error) {
        throw new CommandFailed(
          `--payload ${options.payload}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const answer = await admin(command).post<Record<string, unknown>>(
        `/api/v1/sources/${encodeURIComponent(id)}/transform/test`,
        { payload, ...(options.expression === undefined ? {} : { expression: options.expression }) },
      );
      if (options.json) return printJson(stdout, answer);
      if (answer.ok) {
        stdout.write(`ok (${String(answer.output_bytes)} bytes, ${String(answer.duration_ms)} ms)\n`);
        return printJson(stdout, answer.result);
      }
      const limit = answer.limit ? `exceeded its ${String(answer.limit)} limit: ` : 'failed: ';
      throw new CommandFailed(`transform ${limit}${String(answer.error)}`);
    });

  registerRouteCommands(program, { admin, stdout });

  // github
  const github = program.command('github').description('GitHub: missed-delivery recovery');
  github
    .command('recovery')
    .description('The hooks recovery watches and its last run; --run runs it now and waits for it')
    .option('--run', 'run recovery now')
    .option('--json', 'print the raw JSON')
    .action(async (options: { run?: boolean; json?: boolean }, command: Command) => {
      const client = admin(command);
      if (options.run) {
        const started = await client.post<{ operation_id: string }>('/api/v1/github/recovery/run');
        await followOperation(client, started.operation_id, { stream: deps.stderr });
      }
      const status = await client.get<{ enabled: boolean; hooks: string[]; last_run: Record<string, unknown> | null }>(
        '/api/v1/github/recovery',
      );
      if (options.json) return printJson(stdout, status);
      stdout.write(`recovery ${status.enabled ? 'on' : 'off'}: ${status.hooks.join(', ') || 'no hooks'}\n`);
      if (status.last_run) printRecord(stdout, status.last_run);
      else stdout.write('no run yet\n');
    });

  return program;
}

interface SendOptions {
  action?: string;
  payload?: string;
  url: string;
  secret?: string;
  deliveryId?: string;
}
interface EventListOptions {
  status?: string;
  eventType?: string;
  action?: string;
  repository?: string;
  deliveryId?: string;
  limit?: number;
  cursor?: string;
  json?: boolean;
}
interface TaskListOptions {
  status?: string;
  taskType?: string;
  repository?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}
interface ReprocessOptions {
  filterStatus?: string;
  filterEventType?: string;
  filterAction?: string;
  filterRepository?: string;
  json?: boolean;
}

const accepted = (result: DeliveryResult) => result.status >= 200 && result.status < 300;

function refusal(result: DeliveryResult): ApiError {
  const body = (result.body ?? {}) as { code?: string; error?: string };
  return new ApiError(result.status, body.code ?? `http_${result.status}`, body.error ?? 'delivery refused');
}

/** A replay line, or why it cannot be sent. */
function parseReplayLine(line: string): { event: string; payload: unknown; deliveryId?: string } | string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const { event, payload, delivery_id: deliveryId } = (entry ?? {}) as Record<string, unknown>;
  if (typeof event !== 'string' || event === '') return '"event" must be a non-empty string';
  if (typeof payload !== 'object' || payload === null) return '"payload" must be an object';
  if (deliveryId !== undefined && typeof deliveryId !== 'string') return '"delivery_id" must be a string';
  return { event, payload, deliveryId };
}
