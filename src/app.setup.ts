import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { TownhallIoAdapter } from './realtime/townhall-io.adapter';

export const BODY_LIMIT = '64kb';

/**
 * Everything main.ts and the integration tests share, so the tests run the app exactly as
 * production does. The app must have been created with `bodyParser: false`.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useWebSocketAdapter(new TownhallIoAdapter(app, config));
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(assignRequestId);
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(helmet());
  app.enableCors({
    origin: (origin, callback) =>
      callback(null, origin === undefined || isAllowedOrigin(origin, config.corsOrigins)),
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
  app.use(
    json({
      limit: BODY_LIMIT,
      // body-parser would turn invalid UTF-8 into U+FFFD and store it; refuse it instead
      verify: (_request, _response, buffer) => {
        if (!isUtf8(buffer)) throw new Error('invalid UTF-8');
      },
    }),
  );
  setUpOpenApi(app);
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

/** CORS_ORIGINS: `*`, or a list; same-origin requests never depend on it. */
export function isAllowedOrigin(origin: string, allowed: AppConfig['corsOrigins']): boolean {
  return allowed === '*' || allowed.includes(origin);
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
