-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "run_token" UUID;

