import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  isDatabaseUnavailable,
  loggable,
  RETRY_AFTER_SECONDS,
} from '../../database/database-errors';
import { EmbedRenderer, sendFrame } from './embed-renderer.service';
import { readFrameQuery } from './frame-request';

/** What went wrong, as a page inside the frame (framable by anyone: it shows no site's data). */
@Catch()
export class EmbedErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(EmbedErrorFilter.name);

  constructor(private readonly renderer: EmbedRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const unavailable = isDatabaseUnavailable(exception);
    const status = unavailable
      ? HttpStatus.SERVICE_UNAVAILABLE
      : exception instanceof HttpException
        ? exception.getStatus()
        : HttpStatus.INTERNAL_SERVER_ERROR;
    if (unavailable) this.logger.warn(`database unavailable: ${(exception as Error).message}`);
    else if (status >= 500) this.logger.error(loggable(exception));
    if (response.headersSent) return;
    if (unavailable) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    const frame = readFrameQuery(request.query as Record<string, unknown>);
    sendFrame(
      response,
      this.renderer.error(
        frame,
        status,
        'The discussion could not be shown',
        'Please try again in a moment.',
      ),
    );
  }
}
