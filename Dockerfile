# syntax=docker/dockerfile:1
# One image for every Hookfleet process. The working directory and command pick what runs, each being
# that package's own script (so `pnpm start` in development and the container run the same thing):
#   ingress  /app/apps/ingress  node --enable-source-maps dist/main.js   (the default below)
#   admin    /app/apps/admin    node --enable-source-maps dist/main.js
#   worker   /app/apps/worker   node --enable-source-maps dist/main.js   (WORKER_QUEUES picks the queues)
#   migrate  /app/packages/db   node dist/migrate-cli.js
# Node runs directly, not under pnpm, so SIGTERM reaches the app and its drain runs.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS pnpm
# Corepack runs the pnpm that package.json's packageManager pins; a current corepack knows npm's
# current signing keys (the one bundled with an older Node may not).
RUN npm install --global corepack@latest && corepack enable pnpm
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    CI=true \
    CHECKPOINT_DISABLE=1
WORKDIR /app

FROM pnpm AS build
# The lockfile alone fills pnpm's store, so this layer is reused until the dependencies change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --store-dir /pnpm/store
# The whole context, prisma/ included: install's postinstall runs `prisma generate` on prisma/schema.prisma.
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline --store-dir /pnpm/store
RUN pnpm build

FROM build AS production-files
# A fresh install of production dependencies only. Scripts stay off: the Prisma client generated
# above is already compiled into packages/db/dist. TypeScript sources are not needed to run.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    rm -rf node_modules apps/*/node_modules packages/*/node_modules \
    && pnpm install --frozen-lockfile --prod --ignore-scripts --prefer-offline --store-dir /pnpm/store \
    && rm -rf apps/*/src apps/*/test-support packages/*/src apps/*/.turbo packages/*/.turbo

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-files /app/package.json /app/pnpm-workspace.yaml ./
COPY --from=production-files /app/node_modules ./node_modules
COPY --from=production-files /app/packages ./packages
COPY --from=production-files /app/apps ./apps
# The migrate command reads ../../../prisma/migrations relative to packages/db/dist.
COPY --from=production-files /app/prisma/migrations ./prisma/migrations
USER node
# ingress (WEBHOOK_PORT), admin (ADMIN_PORT), worker probes and metrics (WORKER_HEALTH_PORT).
EXPOSE 3001 3002 8088
WORKDIR /app/apps/ingress
CMD ["node", "--enable-source-maps", "dist/main.js"]
