import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import { PROVIDER_NAMES } from '@hookfleet/providers';
import {
  SourceError,
  createSource,
  jsonataError,
  getSource,
  listSources,
  rotateSourceSecret,
  updateSource,
  type SecretBox,
  type SourceDeps,
  type SourceView,
  type TransformSandbox,
} from '@hookfleet/sources';
import { parseInput } from '../validation.js';
import { idParams } from './shared.js';

const DEFAULT_PREVIOUS_SECRET_TTL_SECONDS = 24 * 3600;

const name = z.string().trim().min(1).max(100);
const createBody = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    name,
    settings: z.unknown().optional(),
    /** Generic sources: shorthand for settings.generic.preset. */
    preset: z.string().min(1).max(50).optional(),
    secret: z.string().min(8).max(512).optional(),
  })
  .strict();
const patchBody = z
  .object({ name: name.optional(), enabled: z.boolean().optional(), settings: z.unknown().optional() })
  .strict();
const rotateBody = z
  .object({
    secret: z.string().min(8).max(512).optional(),
    previous_secret_ttl_seconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(DEFAULT_PREVIOUS_SECRET_TTL_SECONDS),
  })
  .strict();

export const transformTestBody = z
  .object({
    /** A sample payload, as the sender would send it. */
    payload: z.unknown().refine((value) => value !== undefined, 'required'),
    /** The expression to try; omitted: the source's own (it must be in transform mode). */
    expression: z
      .string()
      .min(1)
      .max(64 * 1024)
      .optional(),
  })
  .strict();

function sourceBody(source: SourceView) {
  return {
    id: source.id,
    provider: source.provider,
    name: source.name,
    enabled: source.enabled,
    settings: source.settings,
    webhook_path: `/webhooks/${source.provider}/${source.id}`,
    secrets: source.secrets.map((secret) => ({
      id: secret.id,
      current: secret.current,
      active: secret.active,
      created_at: secret.createdAt,
      expires_at: secret.expiresAt,
      last_matched_at: secret.lastMatchedAt,
    })),
    created_at: source.createdAt,
    updated_at: source.updatedAt,
  };
}

/** Source errors and settings validation errors as the API's error shape. */
async function translate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SourceError) throw new AppError(error.code, error.message);
    if (error instanceof z.ZodError) {
      throw new AppError(
        'invalid_settings',
        'source settings are invalid',
        error.issues.map((issue) => ({ field: `settings.${issue.path.join('.')}`, message: issue.message })),
      );
    }
    throw error;
  }
}

export function sourceHandlers(deps: {
  prisma: PrismaClient;
  box: SecretBox | null;
  transforms: TransformSandbox;
}): Record<'list' | 'create' | 'show' | 'update' | 'disable' | 'rotateSecret' | 'testTransform', RequestHandler> {
  const sourceDeps = (): SourceDeps => {
    if (!deps.box) throw new AppError('sources_unavailable', 'set SOURCE_SECRETS_KEY to manage sources');
    return { prisma: deps.prisma, box: deps.box };
  };

  const list: RequestHandler = async (_req, res) => {
    res.json({ data: (await listSources(sourceDeps())).map(sourceBody) });
  };

  const create: RequestHandler = async (req, res) => {
    const { preset, ...body } = parseInput(createBody, req.body);
    if (preset !== undefined) body.settings = withPreset(body.settings, preset);
    const { source, secret, forwardSigningSecret } = await translate(() => createSource(sourceDeps(), body));
    // The only time the secrets are shown.
    res.status(201).json({ ...sourceBody(source), secret, ...forwardSecretBody(forwardSigningSecret) });
  };

  const show: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const source = await getSource(sourceDeps(), id);
    if (!source) throw new AppError('source_not_found', `no source ${id}`);
    res.json(sourceBody(source));
  };

  const update: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const body = parseInput(patchBody, req.body);
    const updated = await translate(() => updateSource(sourceDeps(), id, body));
    // Switching a source into forward mode makes its signing secret: shown here, once.
    res.json({ ...sourceBody(updated), ...forwardSecretBody(updated.forwardSigningSecret) });
  };

  const disable: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    res.json(sourceBody(await translate(() => updateSource(sourceDeps(), id, { enabled: false }))));
  };

  const rotateSecret: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const body = parseInput(rotateBody, req.body ?? {});
    const { source, secret } = await translate(() =>
      rotateSourceSecret(sourceDeps(), id, {
        secret: body.secret,
        previousSecretTtlSeconds: body.previous_secret_ttl_seconds,
      }),
    );
    res.json({ ...sourceBody(source), secret });
  };

  // A dry run: the expression over a sample payload in the worker's sandbox, so a result or a broken limit
  // shows before the source is saved. Nothing is written.
  const testTransform: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const body = parseInput(transformTestBody, req.body ?? {});
    const source = await getSource(sourceDeps(), id);
    if (!source) throw new AppError('source_not_found', `no source ${id}`);
    const { processing } = source.settings;
    const expression = body.expression ?? (processing.mode === 'transform' ? processing.expression : undefined);
    if (expression === undefined) {
      throw new AppError('no_transform_expression', 'the source is not in transform mode: pass "expression"');
    }
    const compileError = jsonataError(expression);
    if (compileError) throw new AppError('invalid_expression', `invalid JSONata: ${compileError}`);
    const outcome = await deps.transforms.run(expression, body.payload);
    res.json(
      outcome.ok
        ? { ok: true, result: outcome.result, output_bytes: outcome.bytes, duration_ms: outcome.durationMs }
        : { ok: false, limit: outcome.limit, error: outcome.message, duration_ms: outcome.durationMs },
    );
  };

  return { list, create, show, update, disable, rotateSecret, testTransform };
}

/** Settings with generic.preset set, the rest as given (the settings schema judges them all). */
function withPreset(settings: unknown, preset: string): Record<string, unknown> {
  const given = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : {};
  const generic = typeof given.generic === 'object' && given.generic !== null ? given.generic : {};
  return { ...given, generic: { ...generic, preset } };
}

const forwardSecretBody = (secret: string | undefined) => (secret ? { forward_signing_secret: secret } : {});
