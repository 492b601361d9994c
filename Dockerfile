# The Flowplane image: API, worker, scheduler, sync and migrations (`flowplane <command>`).
# It is also the base image of workflow environments: custom images must be built
# `FROM` it, because the worker pods run `flowplane worker --queue <queue>`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the sync daemon reads workflows.d/ straight from a repository's object database.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

# A numeric non-root user: the pods set runAsNonRoot/runAsUser 10001 to match.
RUN groupadd --gid 10001 flowplane \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/flowplane flowplane

WORKDIR /opt/flowplane
COPY . .
RUN pip install . && rm -rf /opt/flowplane/build

USER 10001:10001
WORKDIR /home/flowplane
ENTRYPOINT ["flowplane"]
CMD ["--help"]
