import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { compileTrustProxy } from './common/net/client-address';
import type { AppConfig } from './config/app-config';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { TownhallIoAdapter } from './realtime/transport/townhall-io.adapter';
import { AllowedOrigins } from './sites/allowed-origins.service';

export const BODY_LIMIT = '64kb';
/**
 * Connections the kernel queues before the server accepts them. Node's default, 511, overflows
 * when a few thousand readers reconnect at once (an instance restarting, breaking news) while the
 * event loop is busy: Linux then drops the handshakes it cannot queue, and some clients see
 * ECONNRESET a minute later. The kernel caps this at net.core.somaxconn (4096 by default).
 */
export const LISTEN_BACKLOG = 4096;
/** Sites and the default moderation settings: admin-only bodies with word lists. */
const SETTINGS_BODY_LIMIT = '1mb';
const SETTINGS_ROUTES = /^\/api\/(sites(\/[^/]+)?|settings\/moderation)\/?$/;

/** JSON bodies; body-parser would turn invalid UTF-8 into U+FFFD and store it: refused instead. */
function jsonBody(limit: string): RequestHandler {
  return json({
    limit,
    verify: (_request, _response, buffer) => {
      if (!isUtf8(buffer)) throw new Error('invalid UTF-8');
    },
  });
}

/**
 * Everything main.ts and the integration tests share, so the tests run the app exactly as
 * production does. The app must have been created with `bodyParser: false`.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useWebSocketAdapter(new TownhallIoAdapter(app, config, app.get(AllowedOrigins)));
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // req.ip (rate limits, embed auto-creation) follows X-Forwarded-For only through TRUST_PROXY
  const trustProxy = compileTrustProxy(config.trustProxy);
  if (trustProxy !== null) app.set('trust proxy', trustProxy);
  app.use(assignRequestId);
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(securityHeaders(config));
  const origins = app.get(AllowedOrigins);
  app.enableCors({
    // a function, so answers echo the one origin asked about (with Vary: Origin)
    origin: (origin, callback) => callback(null, origin === undefined || origins.isAllowed(origin)),
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
  // moderation settings carry word lists of up to 10,000 entries, which do not fit in 64 KiB
  const settings = jsonBody(SETTINGS_BODY_LIMIT);
  app.use((request: Request, response: Response, next: NextFunction) =>
    SETTINGS_ROUTES.test(request.path) ? settings(request, response, next) : next(),
  );
  app.use(jsonBody(BODY_LIMIT));
  setUpOpenApi(app);
}

/**
 * `app.listen` with LISTEN_BACKLOG: Nest hands its arguments to http.Server#listen(port, host,
 * backlog), but its typings know only the host.
 */
export function listen(app: NestExpressApplication, port: number, host?: string): Promise<unknown> {
  const listenWith = app.listen.bind(app) as (port: number, ...args: unknown[]) => Promise<unknown>;
  return host === undefined
    ? listenWith(port, LISTEN_BACKLOG)
    : listenWith(port, host, LISTEN_BACKLOG);
}

/** The OpenAPI UI's page and files (not its JSON document). */
const DOCS_UI = /^\/api\/docs(\/|$)/;

/**
 * helmet's headers with a strict Content-Security-Policy: the reader pages load only their own
 * bundled script and stylesheet (no inline script or style anywhere) and open their socket to
 * the same origin ('self' covers ws: and wss: there). The OpenAPI UI at /api/docs has an inline
 * <style>, so only its pages also allow inline styles; its scripts are files too.
 */
function securityHeaders(config: AppConfig): RequestHandler {
  const directives = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    // behind TLS in production; on plain http in development it would break every asset
    'upgrade-insecure-requests': config.nodeEnv === 'production' ? [] : null,
  };
  const strict = helmet({ contentSecurityPolicy: { useDefaults: true, directives } });
  const docs = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { ...directives, 'style-src': ["'self'", "'unsafe-inline'"] },
    },
  });
  return (request, response, next) =>
    (DOCS_UI.test(request.path) ? docs : strict)(request, response, next);
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Runs first, so that answers the body parser or the router give before Nest's middleware
 * (malformed JSON, 413, undecodable paths) carry an X-Request-Id too. The logger's
 * genReqId then finds the same sane id in the header and keeps it.
 */
function assignRequestId(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  request.headers['x-request-id'] = id;
  response.setHeader('X-Request-Id', id);
  next();
}

function setUpOpenApi(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Townhall')
      .setDescription(
        'Real-time discussion of news articles. Live updates go over Socket.IO on the same port (see the README).',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
