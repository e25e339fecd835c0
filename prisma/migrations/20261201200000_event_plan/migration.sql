-- The plan the ingress made, stored with the event so the worker, the admin and the reconciler follow the
-- same one (a rolling deploy can run an old ingress beside a new worker). Null for rows stored before.
-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "plan" JSONB;

