// Event correlation: each event joins the workflow its plan names (a pull request, a branch, a commit)
// and moves it through the state machine. Checks GitHub could not tie to a pull request join the pull
// request whose head is their commit, when one is known.
import type { Prisma, PrismaClient, Workflow, WorkflowState } from '@hookfleet/db';
import { initialState, nextState, TERMINAL_STATES, type EventPlan } from '@hookfleet/planning';

/** Signals that move a workflow's head to the event's commit (a check on an old commit does not). */
const HEAD_MOVING = new Set(['opened', 'reopened', 'updated', 'pushed']);

export async function correlateEvent(
  prisma: PrismaClient,
  event: { id: string; provider: string; workflowId: string | null; sequence: bigint },
  plan: EventPlan,
): Promise<Workflow | null> {
  const ref = plan.workflow;
  if (!ref) return null;

  const byHead =
    ref.kind === 'commit' && ref.headSha
      ? await prisma.workflow.findFirst({
          where: { provider: event.provider, repository: ref.repository, headSha: ref.headSha, kind: 'pull_request' },
          orderBy: { updatedAt: 'desc' },
          select: { key: true },
        })
      : null;
  const key = byHead?.key ?? ref.key;

  return prisma.$transaction(async (tx) => {
    // Create if missing, then lock the row: two workflows' events run in parallel, one workflow's do not,
    // but a commit-keyed check can meet its pull request's own event here.
    // createMany with skipDuplicates is one INSERT ... ON CONFLICT DO NOTHING (an upsert is a transaction of its own).
    await tx.workflow.createMany({
      data: {
        key,
        kind: ref.kind,
        provider: event.provider,
        repository: ref.repository,
        prNumber: ref.prNumber,
        branch: ref.branch,
        headSha: ref.headSha,
        title: ref.title,
        state: initialState(ref.kind),
      },
      skipDuplicates: true,
    });
    const [current] = await tx.$queryRaw<Array<{ id: string; state: WorkflowState; completed_at: Date | null }>>`
      SELECT id, state::text AS state, completed_at FROM workflows WHERE key = ${key} FOR UPDATE`;
    if (!current) throw new Error(`workflow ${key} vanished`);

    // An older event run again (a reprocess, a retried task) must not wind the workflow back past
    // events delivered after it: it joins the workflow, but its signal and head are history.
    const superseded = await tx.webhookEvent.findFirst({
      where: { workflowId: current.id, sequence: { gt: event.sequence }, status: 'processed' },
      select: { id: true },
    });
    const state = superseded ? current.state : nextState(current.state, plan.signal);
    const firstLink = event.workflowId !== current.id;
    const data: Prisma.WorkflowUpdateInput = {
      state,
      completedAt: TERMINAL_STATES.has(state) ? (current.completed_at ?? new Date()) : null,
      ...(firstLink ? { eventCount: { increment: 1 } } : {}),
      ...(ref.title && !superseded ? { title: ref.title } : {}),
      ...(ref.branch && !superseded ? { branch: ref.branch } : {}),
      ...(plan.signal && HEAD_MOVING.has(plan.signal) && ref.headSha && !superseded ? { headSha: ref.headSha } : {}),
    };
    const workflow = await tx.workflow.update({ where: { id: current.id }, data });
    if (firstLink) await tx.webhookEvent.updateMany({ where: { id: event.id }, data: { workflowId: workflow.id } });
    return workflow;
  });
}
