# syntax=docker/dockerfile:1

# Node 20: the major the project is tested on (package.json engines, TOOLCHAIN.md)

# ---- build: compile TypeScript (src/ and migrations/) to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# No embedded PostgreSQL here (it is an optional dependency, ~60 MB of binaries): the image
# needs DATABASE_URL, and without it the start stops with a message saying so.
RUN npm ci --omit=dev --omit=optional \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 and handles SIGTERM: graceful shutdown, exit 0
CMD ["node", "dist/src/main.js"]
