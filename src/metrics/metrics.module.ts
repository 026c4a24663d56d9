import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/events/domain-event-bus';
import '../comments/comment.events';
import '../votes/vote.events';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly bus: DomainEventBus,
  ) {}

  onModuleInit(): void {
    this.bus.on('tally.changed', () => this.metrics.votes.inc());
    this.bus.on('comment.changed', (event) => this.metrics.comments.inc({ type: event.type }));
  }
}
