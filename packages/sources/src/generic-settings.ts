// A generic source's settings (the `generic` key of its settings): how its sender authenticates and where
// the delivery id and event type are. Checked whole when saved, so a source the ingress could not verify is
// refused then, naming the field; the ingress trusts what is stored.
import {
  HMAC_ALGORITHMS,
  SECRET_ENCODINGS,
  SIGNATURE_ENCODINGS,
  SIGNATURE_FORMATS,
  SIGNED_CONTENT_PLACEHOLDERS,
  parseJsonPointer,
  placeholdersOf,
  type GenericSourceConfig,
} from '@hookfleet/providers';
import { z } from 'zod';
import { GENERIC_PRESETS, GENERIC_PRESET_NAMES } from './generic-presets.js';

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/, 'must be a header name')
  .transform((name) => name.toLowerCase());

const headerLocator = z.object({ header: headerName }).strict();
const pointerLocator = z
  .object({
    pointer: z
      .string()
      .max(500)
      .refine((pointer) => parseJsonPointer(pointer) !== null, 'must be a JSON pointer (RFC 6901), e.g. /data/id'),
  })
  .strict();
const valueLocator = z.object({ value: z.string().min(1).max(200) }).strict();

/** One locator or a list tried in order; stored as the list. */
const locators = <T extends z.ZodType>(locator: T) =>
  z
    .union([locator, z.array(locator).min(1).max(8)])
    .transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);

const hmacAuthSchema = z
  .object({
    type: z.literal('hmac'),
    algorithm: z.enum(HMAC_ALGORITHMS),
    encoding: z.enum(SIGNATURE_ENCODINGS),
    header: headerName,
    prefix: z.string().min(1).max(100).optional(),
    format: z.enum(SIGNATURE_FORMATS).default('plain'),
    signatureKey: z.string().min(1).max(50).optional(),
    timestampKey: z.string().min(1).max(50).optional(),
    signedContent: z.string().min(1).max(500).default('{body}'),
    timestampHeader: headerName.optional(),
    idHeader: headerName.optional(),
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    secretEncoding: z.enum(SECRET_ENCODINGS).default('text'),
    publicBaseUrl: z
      .string()
      .url()
      .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
      .optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const used = placeholdersOf(auth.signedContent);
    const unknown = [...used].filter((name) => !(SIGNED_CONTENT_PLACEHOLDERS as readonly string[]).includes(name));
    if (unknown.length > 0) {
      issue(
        'signedContent',
        `unknown placeholder {${unknown.join('}, {')}}: use ${SIGNED_CONTENT_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}`,
      );
    }
    // A signature over anything but the body would leave the body unauthenticated.
    if (!used.has('body') && !used.has('form')) issue('signedContent', 'must include {body} or {form}');
    const timestampInHeader = auth.format === 'key-value' && auth.timestampKey !== undefined;
    if (used.has('timestamp') && !auth.timestampHeader && !timestampInHeader) {
      issue('timestampHeader', 'required: signedContent uses {timestamp}');
    }
    if ((auth.timestampHeader || auth.timestampKey) && !used.has('timestamp')) {
      issue('signedContent', 'must include {timestamp}: an unsigned timestamp stops no replay');
    }
    if (used.has('id') && !auth.idHeader) issue('idHeader', 'required: signedContent uses {id}');
    if (auth.idHeader && !used.has('id')) issue('idHeader', 'set only when signedContent uses {id}');
    if (used.has('url') && !auth.publicBaseUrl) {
      issue(
        'publicBaseUrl',
        'required: signedContent uses {url} (the scheme and host the sender calls, e.g. https://hooks.example.com)',
      );
    }
    if (auth.format !== 'plain' && !auth.signatureKey) issue('signatureKey', `required with format ${auth.format}`);
    if (auth.format === 'plain' && (auth.signatureKey || auth.timestampKey)) {
      issue(auth.signatureKey ? 'signatureKey' : 'timestampKey', 'only for formats key-value and versioned-list');
    }
    if (auth.format !== 'key-value' && auth.timestampKey) issue('timestampKey', 'only for format key-value');
    if (auth.format !== 'plain' && auth.prefix) issue('prefix', 'only for format plain');
  });

const authSchema = z.discriminatedUnion('type', [
  hmacAuthSchema,
  z
    .object({
      type: z.literal('token'),
      header: headerName.default('authorization'),
      prefix: z.string().min(1).max(100).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z
        .string()
        .min(1)
        .max(200)
        .refine((name) => !name.includes(':'), 'must not contain ":"'),
    })
    .strict(),
]);

const identitySchema = z
  .object({
    // No fixed value: one id for every delivery would make each after the first a duplicate.
    deliveryId: locators(z.union([headerLocator, pointerLocator])),
    eventType: locators(z.union([headerLocator, pointerLocator, valueLocator])),
    action: locators(z.union([headerLocator, pointerLocator, valueLocator])).optional(),
  })
  .strict();

const plainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A preset's auth and identity under the settings given beside it: a field given wins over the preset's
 * (an auth of another type replaces the preset's whole). Anything else is left for the schema to judge.
 */
function expandPreset(input: unknown): unknown {
  if (!plainObject(input) || typeof input.preset !== 'string' || !Object.hasOwn(GENERIC_PRESETS, input.preset)) {
    return input;
  }
  const preset = GENERIC_PRESETS[input.preset as keyof typeof GENERIC_PRESETS];
  const auth = plainObject(input.auth)
    ? input.auth.type === undefined || input.auth.type === preset.auth.type
      ? { ...preset.auth, ...input.auth }
      : input.auth
    : (input.auth ?? preset.auth);
  const identity = plainObject(input.identity)
    ? { ...preset.identity, ...input.identity }
    : (input.identity ?? preset.identity);
  return { ...input, auth, identity };
}

/** `preset` alone, a preset with fields overridden, or auth and identity written out. */
export const genericSettingsSchema = z.preprocess(
  expandPreset,
  z
    .object({
      preset: z.enum(GENERIC_PRESET_NAMES).optional(),
      auth: authSchema,
      identity: identitySchema,
    })
    .strict(),
);

export type GenericSettings = z.output<typeof genericSettingsSchema>;

// The provider reads what this schema writes: a mismatch is a compile error here.
export const genericConfigOf = (settings: GenericSettings): GenericSourceConfig => settings;

/**
 * The header a generic source's credential arrives in, stored as [redacted] whatever its name: a sender
 * may put a token in a header whose name looks harmless (x-shared). Basic auth uses Authorization, which
 * the name rule already covers.
 */
export function credentialHeadersOf(generic: GenericSettings | undefined): string[] {
  const auth = generic?.auth;
  return auth && auth.type !== 'basic' ? [auth.header] : [];
}
