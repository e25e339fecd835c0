// Per-source settings, stored as JSON on the source row and validated here on every write.
import { BlockList, isIP } from 'node:net';
import { compileValidationRules, type ValidationRules } from '@hookfleet/validation';
import { z } from 'zod';

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

export const sourceSettingsSchema = z
  .object({
    /** record: store the payload-validation verdict; enforce: refuse invalid payloads with 400. */
    validation: z.enum(['record', 'enforce']).default('record'),
    maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_CAP).optional(),
    /** Only these addresses may deliver (empty or absent: any). */
    ipAllowlist: z.array(cidrSchema).max(1000).optional(),
    /** GitHub sources: also allow GitHub's published hook ranges (from /meta). */
    allowGithubHookRanges: z.boolean().default(false),
    /** Refuse requests whose User-Agent is not the provider's (e.g. GitHub-Hookshot/...). */
    requireProviderUserAgent: z.boolean().default(false),
    /**
     * Operator rules (the design documents' addValidationRule): a JSON Schema per event type ("push") or
     * event type and action ("pull_request.opened"). Compiled when saved, so a bad rule is refused then.
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
  })
  .strict();

export type SourceSettings = z.infer<typeof sourceSettingsSchema>;

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
