# One image for every process: the all-in-one default and each service alone (see docker-compose.yml).
# Node 24 LTS (supported until April 2028); Node 20 left support in April 2026. package.json
# `engines` still admits 20.19+, which CI runs on.
FROM node:24-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change does not reinstall them. tsx is a runtime dependency:
# the image runs the TypeScript sources directly, exactly as the npm scripts do.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# The embedded database (used only when DATABASE_URL is unset) needs a folder it may write.
RUN mkdir -p .data && chown node:node .data

USER node
EXPOSE 8080 8081 8082 8083

# tsx itself (not `npm start`): npm runs scripts through `sh -c`, which does not pass SIGTERM on,
# so `docker stop` would kill the service without a graceful drain.
CMD ["node_modules/.bin/tsx", "services/main.ts"]
