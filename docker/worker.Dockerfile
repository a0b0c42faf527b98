# syntax=docker/dockerfile:1
# Worker image: the orchestrator worker (Temporal workflows + activities, launches trial Jobs),
# the aggregator and the `sweep` CLI. No native TensorFlow: trials run in trainer pods (see
# trainer.Dockerfile); the wasm backend covers in-process trials. Built from the repository root:
#   docker build -f docker/worker.Dockerfile -t ghcr.io/sweep-orchestrator/worker:0.1.0 .
# Runs as a non-root user on a read-only root filesystem with a writable /tmp volume.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY client ./client
COPY workflows ./workflows
COPY store ./store
COPY activities ./activities
COPY workers ./workers
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="sweep worker" \
      org.opencontainers.image.description="Orchestrator worker, aggregator and CLI of the sweep orchestrator"
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
# the wasm matrix-product builds, found next to their source (core/backend/wasm-gemm.ts)
COPY --from=build --chown=0:0 /app/core/backend/gemm/*.wasm ./core/backend/gemm/
USER 10001:10001
CMD ["node", "dist/workers/orchestrator.js"]
