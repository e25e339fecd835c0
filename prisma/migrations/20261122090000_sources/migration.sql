-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "matched_secret_id" UUID,
ADD COLUMN     "normalized" JSONB,
ADD COLUMN     "source_id" UUID,
ADD COLUMN     "validation" JSONB;

-- CreateTable
CREATE TABLE "sources" (
    "id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "source_secrets" (
    "id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "last_matched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sources_provider_name_key" ON "sources"("provider", "name");

-- CreateIndex
CREATE INDEX "source_secrets_source_id_created_at_idx" ON "source_secrets"("source_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "source_secrets" ADD CONSTRAINT "source_secrets_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;

