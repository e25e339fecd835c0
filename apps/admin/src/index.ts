export { startAdmin, type RunningAdmin } from './admin.js';
export { adminConfigSchema, type AdminConfig } from './config.js';
export { BULL_BOARD_PATH } from './bull-board.js';
export { REDRIVE_SCHEDULER_ID } from './operations.js';
