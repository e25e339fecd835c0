-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "redrives" INTEGER NOT NULL DEFAULT 0;

