import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { WriteMetricsListener } from './write-metrics.listener';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, WriteMetricsListener],
  exports: [MetricsService],
})
export class MetricsModule {}
