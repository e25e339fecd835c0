// Per-source settings, stored as JSON on the source row: validated here on every write, and read back
// from the row only through readSourceSettings and readSourceSetting below.
import { BlockList, isIP } from 'node:net';
import { routingRulesSchema } from '@hookfleet/planning';
import { retryOverridesSchema } from '@hookfleet/queue';
import { compileValidationRules, type ValidationRules } from '@hookfleet/validation';
import jsonata from 'jsonata';
import { z } from 'zod';
import { genericSettingsSchema } from './generic-settings.js';

/** GitHub's cap; a source may set a lower one. */
export const MAX_BODY_BYTES_CAP = 25 * 1024 * 1024;

export const cidrSchema = z.string().refine((value) => {
  const [address, bits, extra] = value.split('/');
  const family = address ? isIP(address) : 0;
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128);
}, 'must be an IP address or CIDR range, e.g. 192.30.252.0/22');

/** Whether a JSONata expression compiles; the message says where it does not. */
export function jsonataError(expression: string): string | null {
  try {
    jsonata(expression);
    return null;
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    return `${message ?? String(error)}${position === undefined ? '' : ` (at character ${position})`}`;
  }
}

/**
 * What happens to a source's events besides their tasks. store: store and process. forward: also deliver each event to
 * `url`, signed with a Standard Webhooks signature. transform: store the payload passed through a JSONata
 * expression beside the original, compiled when saved so a bad expression is refused then.
 */
export const processingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('store') }).strict(),
  z
    .object({
      mode: z.literal('forward'),
      url: z
        .string()
        .url()
        .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL'),
      /** Loopback, link-local and private targets are refused unless this is set (SSRF). */
      allowPrivateNetwork: z.boolean().default(false),
      timeoutMs: z.number().int().positive().max(60_000).default(10_000),
      maxRetries: z.number().int().min(0).max(25).default(5),
      /**
       * The Standard Webhooks secret forwards are signed with, sealed by the secret box. Set by
       * @hookfleet/sources on write (an input value is ignored) and never shown in a source's view.
       */
      signingSecretCiphertext: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      mode: z.literal('transform'),
      expression: z
        .string()
        .min(1)
        .max(64 * 1024)
        .superRefine((expression, ctx) => {
          const error = jsonataError(expression);
          if (error) ctx.addIssue({ code: 'custom', message: `invalid JSONata: ${error}` });
        }),
    })
    .strict(),
]);
export type ProcessingSettings = z.infer<typeof processingSchema>;

export const sourceSettingsSchema = z
  .object({
    /** record: store the payload-validation verdict; enforce: refuse invalid payloads with 400. */
    validation: z.enum(['record', 'enforce']).default('record'),
    maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_CAP).optional(),
    /** Only these addresses may deliver (empty or absent: any). */
    ipAllowlist: z.array(cidrSchema).max(1000).optional(),
    /** GitHub sources: also allow GitHub's published hook ranges (from /meta). */
    allowGithubHookRanges: z.boolean().default(false),
    /** Header names stored as [redacted] besides those that look like credentials (see redactHeaders). */
    redactHeaders: z
      .array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/, 'must be a header name'))
      .max(100)
      .optional(),
    /** Refuse requests whose User-Agent is not the provider's (e.g. GitHub-Hookshot/...). */
    requireProviderUserAgent: z.boolean().default(false),
    /**
     * Operator rules: a JSON Schema per event type ("push") or event type and action
     * ("pull_request.opened"), checked against each delivery's payload. Compiled when saved, so a bad rule is refused then.
     */
    validationRules: z
      .record(z.string(), z.unknown())
      .transform((rules, ctx): ValidationRules => {
        const compiled = compileValidationRules(rules);
        if (!compiled.ok) {
          for (const message of compiled.errors) ctx.addIssue({ code: 'custom', message });
          return z.NEVER;
        }
        return compiled.rules;
      })
      .optional(),
    /** Deliveries per minute for this source, across every ingress replica. */
    rateLimitPerMinute: z.number().int().positive().max(1_000_000).optional(),
    processing: processingSchema.default({ mode: 'store' }),
    /**
     * Automatic dead-letter retries: a dead event of this source is retried `afterSeconds` after it died,
     * at most `maxRedrives` times, by the admin's scheduled re-drive.
     */
    deadLetterRedrive: z
      .object({
        afterSeconds: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 3600),
        maxRedrives: z.number().int().min(1).max(10),
      })
      .strict()
      .optional(),
    /** Retry overrides for this source's events, over its task type's and the JOB_* defaults. */
    retry: retryOverridesSchema.optional(),
    /** Generic sources (and only they): how the sender signs and where the id and event type are. */
    generic: genericSettingsSchema.optional(),
    /** Routing rules: the first that matches an event decides its queue and tasks (see @hookfleet/planning). */
    routes: routingRulesSchema.optional(),
  })
  .strict();

export type SourceSettings = z.infer<typeof sourceSettingsSchema>;

/**
 * A source row's settings, whole, by the schema that validated them when saved. A row the schema refuses
 * throws (a ZodError): a reader that acts on every setting (the ingress's checks, a forward) must not
 * guess at the parts it cannot read.
 */
export function readSourceSettings(stored: unknown): SourceSettings {
  return sourceSettingsSchema.parse(stored);
}

/**
 * One setting of a source row, parsed alone by its part of the same schema: its default when absent, and
 * undefined when the row holds a value the schema refuses, whatever the other settings hold. For readers
 * that need one setting (retry overrides, the processing mode, the dead-letter re-drive) and carry on
 * without it, and that should not pay for compiling validation rules they do not use.
 */
export function readSourceSetting<K extends keyof SourceSettings>(
  stored: unknown,
  key: K,
): SourceSettings[K] | undefined {
  const value = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>)[key] : undefined;
  const parsed = sourceSettingsSchema.shape[key].safeParse(value);
  return parsed.success ? (parsed.data as SourceSettings[K]) : undefined;
}

/** An allowlist as Node's BlockList (CIDR matching for IPv4 and IPv6, including v4-mapped v6). */
export function toBlockList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Whether an address is in an allowlist. IPv4 clients on a dual-stack socket arrive as "::ffff:a.b.c.d";
 * they are checked as the IPv4 address they are, so "192.30.252.0/22" matches them too.
 */
export function isAllowed(list: BlockList, ip: string): boolean {
  const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
