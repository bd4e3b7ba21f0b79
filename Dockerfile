# syntax=docker/dockerfile:1
# partnersync: HTTP API, dashboard and scheduled syncs. Build: docker build -t partnersync .
# Run:  docker run -p 8080:8080 -v partnersync-data:/app/data \
#         -e PARTNERSYNC_TOKENS=admin:... -e HUBSPOT_ACCESS_TOKEN=... \
#         -v $PWD/partnersync.yaml:/app/config/partnersync.yaml:ro partnersync
# CI has no Docker engine: .ci/docker-steps.sh runs these same steps outside Docker.

# --- build: compile TypeScript with the dev dependencies ---------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only ------------------------------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: non-root, data on a volume, health check ---------------------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 PARTNERSYNC_CONFIG=/app/config/partnersync.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config/examples ./config/examples
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/partnersync.js"]
CMD ["serve"]
