import type { RequestHandler } from 'express';
import { z } from 'zod';
import { TaskStatus, type Prisma } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import { retryTask } from '../retry-task.js';
import { executionView, taskView } from '../serializers.js';
import type { DispatchDeps } from '@hookfleet/events';
import { parseInput } from '../validation.js';
import { filterDate, idParams, offsetPage, pagination, prNumber, type PageWindow } from './shared.js';

export const taskListQuery = pagination.extend({
  status: z.enum(TaskStatus).optional(),
  task_type: z.string().min(1).optional(),
  repository: z.string().min(1).optional(),
  pr_number: prNumber.optional(),
  since: filterDate.optional(),
  until: filterDate.optional(),
});

export function taskHandlers(deps: DispatchDeps): Record<'list' | 'show' | 'retry', RequestHandler> {
  const list: RequestHandler = async (req, res) => {
    const query = parseInput(taskListQuery, req.query);
    const where: Prisma.WorkflowTaskWhereInput = {
      status: query.status,
      taskType: query.task_type,
      repository: query.repository,
      prNumber: query.pr_number,
      createdAt: { gte: query.since, lt: query.until },
    };
    const read = {
      rows: (window: PageWindow) =>
        deps.prisma.workflowTask.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...window }),
      total: () => deps.prisma.workflowTask.count({ where }),
    };
    res.json(await offsetPage(query, read, taskView));
  };

  const show: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const task = await deps.prisma.workflowTask.findUnique({
      where: { id },
      include: { executions: { orderBy: { startedAt: 'asc' } } },
    });
    if (!task) throw new AppError('task_not_found', `no task ${id}`);
    res.json({ ...taskView(task), executions: task.executions.map(executionView) });
  };

  const retry: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const result = await retryTask(deps, id);
    res.status(202).json({ status: 'retrying', task_id: result.taskId, job_id: result.jobId });
  };

  return { list, show, retry };
}
