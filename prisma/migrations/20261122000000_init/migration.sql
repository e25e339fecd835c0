-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "EventStatus" AS ENUM ('received', 'queued', 'processing', 'processed', 'failed', 'dead');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'dead');

-- CreateEnum
CREATE TYPE "ExecutionStatus" AS ENUM ('running', 'completed', 'failed');

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "hook_id" TEXT NOT NULL DEFAULT '',
    "delivery_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "action" TEXT,
    "repository" TEXT,
    "sender" TEXT,
    "headers" JSONB NOT NULL,
    "payload" JSONB NOT NULL,
    "body_sha256" TEXT NOT NULL,
    "status" "EventStatus" NOT NULL DEFAULT 'received',
    "queue" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "job_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued_at" TIMESTAMPTZ(3),
    "processing_started_at" TIMESTAMPTZ(3),
    "processed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workflow_tasks" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "task_type" TEXT NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'pending',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "repository" TEXT,
    "pr_number" INTEGER,
    "branch" TEXT,
    "commit_sha" TEXT,
    "config" JSONB,
    "input" JSONB NOT NULL,
    "output" JSONB,
    "error" TEXT,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "max_retries" INTEGER NOT NULL,
    "external_task_id" TEXT,
    "external_task_url" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_executions" (
    "id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "job_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" "ExecutionStatus" NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "error" TEXT,

    CONSTRAINT "task_executions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_events_received_at_idx" ON "webhook_events"("received_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_events_status_received_at_idx" ON "webhook_events"("status", "received_at");

-- CreateIndex
CREATE INDEX "webhook_events_event_type_received_at_idx" ON "webhook_events"("event_type", "received_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_events_repository_received_at_idx" ON "webhook_events"("repository", "received_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_dedupe_key" ON "webhook_events"("provider", "hook_id", "delivery_id");

-- CreateIndex
CREATE INDEX "workflow_tasks_status_created_at_idx" ON "workflow_tasks"("status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "workflow_tasks_task_type_created_at_idx" ON "workflow_tasks"("task_type", "created_at" DESC);

-- CreateIndex
CREATE INDEX "workflow_tasks_repository_created_at_idx" ON "workflow_tasks"("repository", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "workflow_tasks_event_id_generation_task_type_key" ON "workflow_tasks"("event_id", "generation", "task_type");

-- CreateIndex
CREATE UNIQUE INDEX "task_executions_task_id_job_id_attempt_key" ON "task_executions"("task_id", "job_id", "attempt");

-- AddForeignKey
ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_executions" ADD CONSTRAINT "task_executions_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "workflow_tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

