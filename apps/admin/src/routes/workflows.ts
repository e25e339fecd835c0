// Workflows: the pull requests, branches and commits events were correlated into, with their events in
// delivery order and their tasks.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { WorkflowKind, WorkflowState, type Prisma, type PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import { eventSummary, taskView, workflowView } from '../serializers.js';
import { parseInput } from '../validation.js';
import { idParams, offsetPage, pagination, prNumber, type PageWindow } from './shared.js';

export const workflowListQuery = pagination.extend({
  state: z.enum(WorkflowState).optional(),
  kind: z.enum(WorkflowKind).optional(),
  repository: z.string().min(1).optional(),
  pr_number: prNumber.optional(),
});

export function workflowHandlers(deps: { prisma: PrismaClient }): Record<'list' | 'show', RequestHandler> {
  const list: RequestHandler = async (req, res) => {
    const query = parseInput(workflowListQuery, req.query);
    const where: Prisma.WorkflowWhereInput = {
      state: query.state,
      kind: query.kind,
      repository: query.repository,
      prNumber: query.pr_number,
    };
    const read = {
      rows: (window: PageWindow) =>
        deps.prisma.workflow.findMany({ where, orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }], ...window }),
      total: () => deps.prisma.workflow.count({ where }),
    };
    res.json(await offsetPage(query, read, workflowView));
  };

  const show: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const workflow = await deps.prisma.workflow.findUnique({
      where: { id },
      include: {
        events: {
          orderBy: { sequence: 'asc' },
          omit: { payload: true, headers: true, normalized: true, transformed: true },
        },
        tasks: { orderBy: { createdAt: 'asc' } },
      },
    });
    if (!workflow) throw new AppError('workflow_not_found', `no workflow ${id}`);
    res.json({
      ...workflowView(workflow),
      events: workflow.events.map(eventSummary),
      tasks: workflow.tasks.map(taskView),
    });
  };

  return { list, show };
}
