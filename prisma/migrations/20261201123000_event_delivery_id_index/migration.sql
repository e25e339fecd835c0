-- CreateIndex
CREATE INDEX "webhook_events_delivery_id_idx" ON "webhook_events"("delivery_id");

