export {
  createPrismaClient,
  createDatabaseClients,
  type DatabaseClients,
  isDatabaseUnavailable,
  isUniqueViolation,
  DatabaseTimeoutError,
  DatabaseUnreachableError,
  fromPoolError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type PoolOptions,
} from './client.js';
export { applyMigrations, MIGRATIONS_DIR, MigrationError } from './migrations.js';
export { schemaDiffSql, SCHEMA_FILE, type SchemaDiffOptions } from './schema-diff.js';
export {
  Prisma,
  PrismaClient,
  EventStatus,
  TaskStatus,
  ExecutionStatus,
  WorkflowKind,
  WorkflowState,
  SideEffectStatus,
  ApiRole,
} from './generated/prisma/client.js';
export type {
  WebhookEvent,
  WorkflowTask,
  TaskExecution,
  Workflow,
  SideEffect,
  ApiToken,
  AuditLog,
} from './generated/prisma/client.js';
