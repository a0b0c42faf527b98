# syntax=docker/dockerfile:1
# Example image of a user's own trainer (a command trainer, docs/trainer-protocol.md): Python,
# the sweep_trial SDK with its NATS extra, and the JAX µP example (examples/byo-jax). A trial
# Job runs `trainer.command` in it (e.g. [python, /app/train.py]) with SWEEP_LAUNCH naming the
# mounted /etc/sweep/launch.json; the SDK publishes to JetStream from the launch's report.
# Built from the repository root:
#   docker build -f docker/byo-trainer.Dockerfile -t registry.example/byo-jax-trainer:0.1.0 .
# and named by the spec: execution: {executor: kubernetes, kubernetes: {image: <that tag>}}.
# Your own trainer: replace the example's files and requirements, keep the SDK.
# Runs as a non-root user on a read-only root filesystem; /tmp is the Job's writable emptyDir.
# PYTHON_IMAGE may also be a plain Debian image: Python then comes from its packages (the
# project's own image test builds it so, on its Debian base image).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
RUN python3 -c "import ensurepip" 2>/dev/null || { apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
      && rm -rf /var/lib/apt/lists/*; }

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOME=/tmp \
    JAX_PLATFORMS=cpu \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY sdk/python /src/sdk
# a virtual environment: Debian's Python refuses system-wide pip installs (PEP 668);
# jax[cpu] is about 100 MB; a GPU image would install jax[cuda12] on a CUDA base instead
RUN python3 -m venv /opt/venv && pip install "/src/sdk[nats]" "jax[cpu]" numpy && rm -rf /src/sdk
COPY examples/byo-jax/train.py ./train.py
# numeric, so runAsNonRoot can verify it
USER 10001:10001
# no ENTRYPOINT needed: the Job's command is the spec's trainer.command
CMD ["python", "/app/train.py"]
