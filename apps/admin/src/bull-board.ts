// Bull Board, mounted at /admin/queues, showing every queue (its failed tab is the dead-letter queue).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { EventQueues } from '@hookfleet/queue';

export const BULL_BOARD_PATH = '/admin/queues';

export function bullBoardRouter(queues: EventQueues): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)), serverAdapter });
  return serverAdapter.getRouter() as Router;
}
