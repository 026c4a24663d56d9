import { Global, Module } from '@nestjs/common';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { WriteMetricsListener } from './write-metrics.listener';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, WriteMetricsListener, MetricsAccessGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
