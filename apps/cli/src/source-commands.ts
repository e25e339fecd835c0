// hookfleet sources create|list|show|update|rotate|disable: sources managed through the admin API. A secret
// is printed once, by the command that made it (create, rotate), and never otherwise.
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { AdminClient } from './admin-client.js';
import { printJson, printRecord, printTable, type Output } from './output.js';
import { CommandFailed } from './program.js';

export interface SourceCommandDeps {
  admin: (command: Command) => AdminClient;
  stdout: Output;
}

const SOURCE_COLUMNS = ['id', 'provider', 'name', 'enabled', 'webhook_path', 'created_at'];

type SourceBody = Record<string, unknown> & {
  id: string;
  settings?: Record<string, unknown>;
  secrets?: Array<Record<string, unknown>>;
  secret?: string;
  forward_signing_secret?: string;
};

/** A JSON object given inline or as @file. */
async function jsonObject(option: string, value: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value);
  } catch (error) {
    throw new CommandFailed(`${option}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CommandFailed(`${option} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** A secret the sender issued: from --secret-file (kept out of the shell history and process list) or --secret. */
async function givenSecret(options: { secret?: string; secretFile?: string }): Promise<string | undefined> {
  if (options.secret !== undefined && options.secretFile !== undefined) {
    throw new CommandFailed('give --secret or --secret-file, not both');
  }
  if (options.secretFile === undefined) return options.secret;
  return (await readFile(options.secretFile, 'utf8')).trim();
}

const nonNegativeInt = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('must be a whole number of seconds');
  return number;
};

function printSource(out: Output, source: SourceBody, json: boolean | undefined): void {
  if (json) return printJson(out, source);
  const { secret, forward_signing_secret: forwardSecret, ...shown } = source;
  printRecord(out, shown);
  out.write('settings:\n');
  printJson(out, source.settings ?? {});
  out.write('secrets:\n');
  printTable(out, source.secrets ?? [], ['id', 'current', 'active', 'created_at', 'expires_at', 'last_matched_at']);
  // Shown this once: the API never returns it again.
  if (secret) out.write(`\nsecret (shown once, store it now): ${secret}\n`);
  if (forwardSecret) out.write(`forward signing secret (shown once): ${forwardSecret}\n`);
}

/** Adds create, list, show, update, rotate and disable under `sources`. */
export function registerSourceCommands(sources: Command, deps: SourceCommandDeps): void {
  const { admin, stdout } = deps;
  const path = (id: string) => `/api/v1/sources/${encodeURIComponent(id)}`;

  sources
    .command('create')
    .description('A new source; prints its webhook path and its secret (shown this once)')
    .requiredOption('--provider <provider>', 'github, gitlab, slack, linear, standard or generic')
    .requiredOption('--name <name>', 'unique per provider')
    .option(
      '--preset <preset>',
      'generic sources: stripe, shopify, jira, sentry, twilio, svix, standard-webhooks, github-compatible',
    )
    .option(
      '--settings <json>',
      'settings as JSON, or @file; with --preset, its generic fields are laid over the preset',
    )
    .option('--secret <secret>', 'the secret the sender issued (e.g. Stripe’s whsec_...); default: one is generated')
    .option('--secret-file <file>', 'read that secret from a file instead')
    .option('--json', 'print the raw JSON')
    .action(async (options: CreateOptions, command: Command) => {
      const settings = options.settings ? await jsonObject('--settings', options.settings) : {};
      const secret = await givenSecret(options);
      // The API lays `preset` under settings.generic.
      const created = await admin(command).post<SourceBody>('/api/v1/sources', {
        provider: options.provider,
        name: options.name,
        settings,
        ...(options.preset === undefined ? {} : { preset: options.preset }),
        ...(secret === undefined ? {} : { secret }),
      });
      printSource(stdout, created, options.json);
    });

  sources
    .command('list')
    .description('Every source')
    .option('--json', 'print the raw JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const page = await admin(command).get<{ data: Array<Record<string, unknown>> }>('/api/v1/sources');
      if (options.json) return printJson(stdout, page);
      printTable(stdout, page.data, SOURCE_COLUMNS);
    });

  sources
    .command('show')
    .description('One source with its settings and secrets (never their values)')
    .argument('<id>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      printSource(stdout, await admin(command).get<SourceBody>(path(id)), options.json);
    });

  sources
    .command('update')
    .description('Rename, enable, or change settings (--settings replaces them whole; --preset replaces only generic)')
    .argument('<id>')
    .option('--name <name>')
    .option('--enable', 'accept deliveries again')
    .option('--settings <json>', 'the new settings as JSON, or @file')
    .option('--preset <preset>', 'generic sources: switch to this preset, other settings kept')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      const client = admin(command);
      let settings = options.settings ? await jsonObject('--settings', options.settings) : undefined;
      if (options.preset) {
        settings ??= (await client.get<SourceBody>(path(id))).settings ?? {};
        settings = { ...settings, generic: { preset: options.preset } };
      }
      const patch = {
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.enable ? { enabled: true } : {}),
        ...(settings === undefined ? {} : { settings }),
      };
      if (Object.keys(patch).length === 0)
        throw new CommandFailed('nothing to change: give --name, --enable, --settings or --preset');
      printSource(stdout, await client.patch<SourceBody>(path(id), patch), options.json);
    });

  sources
    .command('rotate')
    .description('A new current secret (shown once); the old ones stay accepted for --previous-ttl seconds')
    .argument('<id>')
    .option('--secret <secret>', 'the new secret the sender issued; default: one is generated')
    .option('--secret-file <file>', 'read that secret from a file instead')
    .option('--previous-ttl <seconds>', 'how long the old secrets stay accepted (default 86400)', nonNegativeInt)
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: RotateOptions, command: Command) => {
      const secret = await givenSecret(options);
      const rotated = await admin(command).post<SourceBody>(`${path(id)}/rotate-secret`, {
        ...(secret === undefined ? {} : { secret }),
        ...(options.previousTtl === undefined ? {} : { previous_secret_ttl_seconds: options.previousTtl }),
      });
      printSource(stdout, rotated, options.json);
    });

  sources
    .command('disable')
    .description('Refuse the source’s deliveries (403) until it is enabled again')
    .argument('<id>')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      printSource(stdout, await admin(command).post<SourceBody>(`${path(id)}/disable`), options.json);
    });
}

interface CreateOptions {
  provider: string;
  name: string;
  preset?: string;
  settings?: string;
  secret?: string;
  secretFile?: string;
  json?: boolean;
}
interface UpdateOptions {
  name?: string;
  enable?: boolean;
  settings?: string;
  preset?: string;
  json?: boolean;
}
interface RotateOptions {
  secret?: string;
  secretFile?: string;
  previousTtl?: number;
  json?: boolean;
}
