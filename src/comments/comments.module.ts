import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CommentPolicyModule } from '../comment-policy/comment-policy.module';
import { CommentHistoryController } from './comment-history.controller';
import { CommentHistoryRepository } from './comment-history.repository';
import { CommentHistory } from './comment-history.service';
import { CommentRevisionsRepository } from './comment-revisions.repository';
import { FeaturedComments } from './featured-comments.service';
import { HeldComments } from './held-comments.service';
import { CommentVotesController } from './votes/comment-votes.controller';
import { CommentVotesRepository } from './votes/comment-votes.repository';
import { CommentVotesService } from './votes/comment-votes.service';
import { CommentEvent } from './comment-event.entity';
import { CommentFeedReader } from './comment-feed.reader';
import { CommentRevision } from './comment-revision.entity';
import { CommentVote } from './comment-vote.entity';
import { Comment } from './comment.entity';
import { CommentsController } from './comments.controller';
import { CommentsRepository } from './comments.repository';
import { CommentsService } from './comments.service';
import { StreamEpochRow } from './stream-epoch.entity';
import { StreamEpoch } from './stream-epoch.service';

@Module({
  imports: [
    ArticlesModule,
    CommentPolicyModule,
    MikroOrmModule.forFeature([
      Comment,
      CommentEvent,
      StreamEpochRow,
      CommentVote,
      CommentRevision,
    ]),
  ],
  controllers: [CommentsController, CommentHistoryController, CommentVotesController],
  providers: [
    CommentsService,
    CommentsRepository,
    CommentRevisionsRepository,
    HeldComments,
    FeaturedComments,
    CommentHistory,
    CommentHistoryRepository,
    CommentVotesService,
    CommentVotesRepository,
    CommentFeedReader,
    StreamEpoch,
  ],
  exports: [CommentsService, CommentVotesService, FeaturedComments, CommentFeedReader, StreamEpoch],
})
export class CommentsModule {}
