# One image for every role: `docker run orderstream <role>` (see bin/role.ts for the list).
# Written for the classic builder as well as BuildKit, so an engine without buildx builds it too.
# NODE_IMAGE: any Debian-based Node 20 image with npm; a machine without a registry points it at
# one it built itself (docker/local/, npm run compose:verify).
ARG NODE_IMAGE=node:20-bookworm-slim

# Dependencies, cached until package.json or package-lock.json change.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# Production dependencies only, for the runtime stage.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# TypeScript to JavaScript: the runtime runs plain node, no tsx. The .avsc schemas are read at run
# time, so the build copies them beside the compiled code; imported JSON is emitted by tsc.
FROM deps AS build
COPY . .
RUN npm run -s build

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to node (graceful stop) and reaps zombies. Installed from Debian
# when the base lacks it (the official node image does not; a local base may ship it already).
RUN command -v tini >/dev/null 2>&1 || { \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    }
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Where the local development signing key lives when no AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE is
# given (ORDERSTREAM_CACHE_DIR; compose mounts a volume there, shared by the roles).
RUN mkdir -p /var/lib/orderstream/auth && chown -R 1000:1000 /var/lib/orderstream && chmod 700 /var/lib/orderstream/auth
# The official image's `node` user, by number so that runAsNonRoot can check it. Nothing else is
# written outside /tmp: logs go to stdout, so a read-only root filesystem works.
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "dist/bin/healthcheck.js"]
ENTRYPOINT ["tini", "--", "node", "dist/bin/role.js"]
