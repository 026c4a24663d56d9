import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { ModerationLogEntry } from './moderation-log-entry.entity';

/**
 * The moderation log's storage. Users (bans, roles) and moderation (remove, restore, …) append
 * to it through AuditService inside their own transactions; the moderation feature reads it.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ModerationLogEntry])],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
