import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../common/errors/domain-error';
import { isDatabaseUnavailable, loggable, RETRY_AFTER_SECONDS } from '../database/database-errors';
import { PageRenderer } from './page-renderer.service';
import { errorMain } from './views/error.page';

const PAGES: Partial<Record<number, [string, string]>> = {
  400: ['Bad request', 'That address is not one this site understands.'],
  404: ['Page not found', 'There is no article at this address. It may have been removed.'],
  503: [
    'Please try again',
    'The discussion is briefly unavailable (the database is restarting). Reload in a moment.',
  ],
};

/** Errors on the reader pages are HTML pages too, not the API's JSON. */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HtmlErrorFilter.name);

  constructor(private readonly renderer: PageRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const unavailable = isDatabaseUnavailable(exception);
    const status = unavailable ? HttpStatus.SERVICE_UNAVAILABLE : statusOf(exception);
    if (unavailable) this.logger.warn(`database unavailable: ${(exception as Error).message}`);
    else if (status >= 500) this.logger.error(loggable(exception));
    if (response.headersSent) return;
    if (unavailable) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    const [heading, text] = PAGES[status] ?? [
      'Something went wrong',
      'The page could not be shown. Please try again in a moment.',
    ];
    response
      .status(status)
      .type('html')
      .setHeader('Cache-Control', 'no-store')
      .send(this.renderer.page(heading, errorMain(status, heading, text)));
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  if (exception instanceof DomainError) {
    return exception.code === 'not_found'
      ? HttpStatus.NOT_FOUND
      : exception.code === 'bad_request'
        ? HttpStatus.BAD_REQUEST
        : HttpStatus.INTERNAL_SERVER_ERROR;
  }
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
