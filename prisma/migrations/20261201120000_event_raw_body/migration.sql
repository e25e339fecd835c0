-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "payload_sanitized" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "raw_body" BYTEA;

