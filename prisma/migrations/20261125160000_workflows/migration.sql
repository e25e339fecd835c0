-- CreateEnum
CREATE TYPE "WorkflowKind" AS ENUM ('pull_request', 'branch', 'commit');

-- CreateEnum
CREATE TYPE "WorkflowState" AS ENUM ('open', 'checks_failed', 'checks_passed', 'changes_requested', 'approved', 'merged', 'closed', 'active');

-- CreateEnum
CREATE TYPE "SideEffectStatus" AS ENUM ('started', 'succeeded', 'failed');

-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "sequence" BIGSERIAL NOT NULL,
ADD COLUMN     "transformed" JSONB,
ADD COLUMN     "workflow_id" UUID,
ADD COLUMN     "workflow_key" TEXT;

-- AlterTable
ALTER TABLE "workflow_tasks" ADD COLUMN     "workflow_id" UUID;

-- CreateTable
CREATE TABLE "workflows" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "kind" "WorkflowKind" NOT NULL,
    "provider" TEXT NOT NULL,
    "repository" TEXT NOT NULL,
    "pr_number" INTEGER,
    "branch" TEXT,
    "head_sha" TEXT,
    "title" TEXT,
    "state" "WorkflowState" NOT NULL,
    "event_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "workflows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "side_effects" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "SideEffectStatus" NOT NULL DEFAULT 'started',
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "result" JSONB,
    "error" TEXT,
    "event_id" UUID,
    "task_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "side_effects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "forward_attempts" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "forward_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "installations" (
    "id" BIGINT NOT NULL,
    "account" TEXT NOT NULL,
    "account_type" TEXT,
    "repositories" JSONB NOT NULL DEFAULT '[]',
    "suspended" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "workflows_key_key" ON "workflows"("key");

-- CreateIndex
CREATE INDEX "workflows_repository_head_sha_idx" ON "workflows"("repository", "head_sha");

-- CreateIndex
CREATE INDEX "workflows_state_updated_at_idx" ON "workflows"("state", "updated_at" DESC);

-- CreateIndex
CREATE INDEX "workflows_updated_at_idx" ON "workflows"("updated_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "side_effects_key_key" ON "side_effects"("key");

-- CreateIndex
CREATE INDEX "side_effects_event_id_idx" ON "side_effects"("event_id");

-- CreateIndex
CREATE INDEX "side_effects_task_id_idx" ON "side_effects"("task_id");

-- CreateIndex
CREATE UNIQUE INDEX "forward_attempts_event_id_generation_attempt_key" ON "forward_attempts"("event_id", "generation", "attempt");

-- CreateIndex
CREATE INDEX "webhook_events_workflow_key_sequence_idx" ON "webhook_events"("workflow_key", "sequence");

-- CreateIndex
CREATE INDEX "webhook_events_workflow_id_sequence_idx" ON "webhook_events"("workflow_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_sequence_key" ON "webhook_events"("sequence");

-- CreateIndex
CREATE INDEX "workflow_tasks_workflow_id_created_at_idx" ON "workflow_tasks"("workflow_id", "created_at");

-- CreateIndex
CREATE INDEX "workflow_tasks_external_task_id_idx" ON "workflow_tasks"("external_task_id");

-- AddForeignKey
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "forward_attempts" ADD CONSTRAINT "forward_attempts_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

