import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccountModule } from './account/account.module';
import { ActivityModule } from './activity/activity.module';
import { ArticlesModule } from './articles/articles.module';
import { AuthModule } from './auth/auth.module';
import { CommentsModule } from './comments/comments.module';
import { EventsModule } from './common/events/events.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { LEAN_ROUTES } from './common/http/lean-routes';
import { requestLogLevel } from './common/logging/request-log-level';
import { createValidationPipe } from './common/validation/validation.pipe';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModerationModule } from './moderation/moderation.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SitesModule } from './sites/sites.module';
import { UsersModule } from './users/users.module';
import { VotesModule } from './votes/votes.module';
import { WebModule } from './web/web.module';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** Composition root. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          exclude: LEAN_ROUTES,
          pinoHttp: {
            level: config.logLevel,
            genReqId: (request: IncomingMessage, response: ServerResponse) => {
              const incoming = request.headers['x-request-id'];
              const id =
                typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            // tokens and passwords never reach the logs: bodies are not logged at all
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'res.headers["set-cookie"]',
              ],
              censor: '[redacted]',
            },
            customLogLevel: requestLogLevel,
          },
        }),
        DatabaseModule.forRoot(databaseUrl, config.databaseDirectUrl),
        EventsModule,
        RateLimitModule,
        SitesModule,
        UsersModule,
        AuthModule,
        ArticlesModule,
        VotesModule,
        CommentsModule,
        ModerationModule,
        JobsModule,
        ActivityModule,
        AccountModule,
        MailModule,
        MetricsModule,
        RealtimeModule,
        HealthModule,
        WebModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
