// Forward-mode sources: one attempt to deliver a stored event to the source's URL. A side-effect row keyed
// by event and generation makes a re-run after success (a stalled lock, a duplicate job) send nothing; every
// attempt is logged in forward_attempts, in one transaction with the side effect's new status.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Prisma, PrismaClient } from '@hookfleet/db';
import { createGuardedAgents, forwardEvent, type ForwardOutcome, type GuardedAgents } from '@hookfleet/forwarding';
import type { Logger, Metrics } from '@hookfleet/observability';
import { forwardJobDataSchema, type ForwardJobData } from '@hookfleet/queue';
import { SecretBoxError, readSourceSettings, type ProcessingSettings, type SecretBox } from '@hookfleet/sources';

export interface ForwardProcessorDeps {
  prisma: PrismaClient;
  /** Opens the sealed signing secret; null (SOURCE_SECRETS_KEY unset): every forward fails permanently. */
  box: SecretBox | null;
  logger: Logger;
  /** Not read yet: @hookfleet/observability has no forward counter; it belongs there, named once. */
  metrics: Metrics;
}

type ForwardProcessing = Extract<ProcessingSettings, { mode: 'forward' }>;

/** One side effect per event generation: its retries share the key, a reprocess gets a new one. */
export function forwardSideEffectKey(eventId: string, generation: number): string {
  return `forward:${eventId}:g${generation}`;
}

/** The plaintext signing secret, or why there is none; a missing key or secret will not fix itself on retry. */
function openSigningSecret(box: SecretBox | null, processing: ForwardProcessing): string | UnrecoverableError {
  if (!box) return new UnrecoverableError('SOURCE_SECRETS_KEY is not set: forwards cannot be signed');
  if (!processing.signingSecretCiphertext) {
    return new UnrecoverableError('the source has no forward signing secret: save its settings to have one made');
  }
  try {
    return box.open(processing.signingSecretCiphertext);
  } catch (error) {
    if (error instanceof SecretBoxError) return new UnrecoverableError(error.message);
    throw error;
  }
}

export function createForwardProcessor(deps: ForwardProcessorDeps) {
  const { prisma } = deps;
  // One pair per network policy for the whole process: they keep no sockets between attempts.
  const agents: Record<'privateAllowed' | 'publicOnly', GuardedAgents> = {
    privateAllowed: createGuardedAgents({ allowPrivateNetwork: true }),
    publicOnly: createGuardedAgents({ allowPrivateNetwork: false }),
  };

  return async function processForward(job: Job<ForwardJobData>): Promise<void> {
    const { eventId, generation } = forwardJobDataSchema.parse(job.data);
    const attempt = job.attemptsMade + 1;
    const logger = deps.logger.child({ event_id: eventId, generation, job_id: job.id, queue: job.queueName, attempt });

    const event = await prisma.webhookEvent.findUnique({
      where: { id: eventId },
      select: { payload: true, transformed: true, source: { select: { settings: true } } },
    });
    if (!event) throw new UnrecoverableError(`event ${eventId} does not exist`);
    const processing = event.source ? readSourceSettings(event.source.settings).processing : null;
    if (processing?.mode !== 'forward') {
      logger.info('source is not in forward mode any more: nothing forwarded');
      return;
    }

    const key = forwardSideEffectKey(eventId, generation);
    const previous = await prisma.sideEffect.findUnique({ where: { key }, select: { status: true } });
    if (previous?.status === 'succeeded') {
      logger.info('already forwarded: nothing sent');
      return;
    }
    await prisma.sideEffect.upsert({
      where: { key },
      create: { key, kind: 'forward', status: 'started', eventId },
      update: { status: 'started', attempts: { increment: 1 }, error: null },
    });

    const secret = openSigningSecret(deps.box, processing);
    const outcome: ForwardOutcome =
      secret instanceof UnrecoverableError
        ? { ok: false, statusCode: null, durationMs: null, error: secret }
        : await forwardEvent({
            eventId,
            generation,
            payload: event.transformed ?? event.payload,
            url: processing.url,
            signingSecret: secret,
            timeoutMs: processing.timeoutMs,
            agents: processing.allowPrivateNetwork ? agents.privateAllowed : agents.publicOnly,
          });

    const error = outcome.ok ? null : outcome.error.message;
    const record = { url: processing.url, statusCode: outcome.statusCode, durationMs: outcome.durationMs, error };
    const sideEffectUpdate: Prisma.SideEffectUpdateInput = outcome.ok
      ? {
          status: 'succeeded',
          result: { statusCode: outcome.statusCode, durationMs: outcome.durationMs },
          error: null,
          completedAt: new Date(),
        }
      : { status: 'failed', error };
    // Upsert: a re-run of the same attempt (a stalled lock) overwrites its row instead of failing on it.
    await prisma.$transaction([
      prisma.forwardAttempt.upsert({
        where: { eventId_generation_attempt: { eventId, generation, attempt } },
        create: { eventId, generation, attempt, ...record },
        update: record,
      }),
      prisma.sideEffect.update({ where: { key }, data: sideEffectUpdate }),
    ]);

    const details = { status_code: outcome.statusCode, duration_ms: outcome.durationMs };
    if (outcome.ok) {
      logger.info('event forwarded', details);
      return;
    }
    const retryable = !(outcome.error instanceof UnrecoverableError);
    logger.warn('forward failed', { ...details, error, retryable });
    throw outcome.error;
  };
}
