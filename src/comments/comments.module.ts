import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CommentEvent } from './comment-event.entity';
import { CommentFeedReader } from './comment-feed.reader';
import { Comment } from './comment.entity';
import { CommentsController } from './comments.controller';
import { CommentsRepository } from './comments.repository';
import { CommentsService } from './comments.service';
import { StreamEpochRow } from './stream-epoch.entity';
import { StreamEpoch } from './stream-epoch.service';

@Module({
  imports: [ArticlesModule, MikroOrmModule.forFeature([Comment, CommentEvent, StreamEpochRow])],
  controllers: [CommentsController],
  providers: [CommentsService, CommentsRepository, CommentFeedReader, StreamEpoch],
  exports: [CommentsService, CommentFeedReader, StreamEpoch],
})
export class CommentsModule {}
