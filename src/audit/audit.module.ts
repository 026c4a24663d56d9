import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ModerationLogEntry } from './moderation-log-entry.entity';

/**
 * The moderation log's storage. Users (bans, roles) and comments (remove, restore) append
 * to it inside their own transactions; the moderation feature reads it.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ModerationLogEntry])],
  exports: [MikroOrmModule],
})
export class AuditModule {}
