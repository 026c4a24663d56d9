import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { ErrorDto } from '../common/openapi/api-errors.decorator';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format; METRICS_TOKEN and METRICS_PUBLIC say who may read it. */
  @Public()
  @UseGuards(MetricsAccessGuard)
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({ description: 'Prometheus metrics', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({
    description: 'METRICS_TOKEN is set and the request does not carry it as a bearer token',
    type: ErrorDto,
  })
  @ApiNotFoundResponse({
    description: 'Closed: NODE_ENV=production without METRICS_TOKEN or METRICS_PUBLIC=true',
    type: ErrorDto,
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
