import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CommentEvent } from './comment-event.entity';
import { CommentFeedReader } from './comment-feed.reader';
import { Comment } from './comment.entity';
import { CommentsController } from './comments.controller';
import { CommentsRepository } from './comments.repository';
import { CommentsService } from './comments.service';

@Module({
  imports: [ArticlesModule, MikroOrmModule.forFeature([Comment, CommentEvent])],
  controllers: [CommentsController],
  providers: [CommentsService, CommentsRepository, CommentFeedReader],
  exports: [CommentsService, CommentFeedReader],
})
export class CommentsModule {}
