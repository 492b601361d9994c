# The Flowplane image: API, worker, scheduler, sync and migrations (`flowplane <command>`).
# It is also the base image of workflow environments: custom images must be built
# `FROM` it, because the worker pods run `flowplane worker --queue <queue>`.

# The web console and GraphiQL, built with Node in a stage of their own: the image serves the
# built files from the Python package and carries no Node.
FROM node:20-slim AS console
WORKDIR /src
COPY console/package.json console/package-lock.json console/
RUN cd console && npm ci --no-audit --no-fund
COPY schema.graphql ./
COPY console/ console/
RUN cd console && npm run build

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
COPY --from=console /src/graphql_api/console_dist graphql_api/console_dist
RUN pip install . && rm -rf /opt/flowplane/build

USER 10001:10001
WORKDIR /home/flowplane
ENTRYPOINT ["flowplane"]
CMD ["--help"]
