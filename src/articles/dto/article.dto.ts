import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import type { Article } from '../article.entity';
import type { ArticleView } from '../articles.repository';

export class VoteCountDto {
  @ApiProperty({ minimum: 0 })
  up!: number;

  @ApiProperty({ minimum: 0 })
  down!: number;
}

export class TalliesDto {
  @ApiProperty({ type: VoteCountDto })
  interesting!: VoteCountDto;

  @ApiProperty({ type: VoteCountDto })
  support!: VoteCountDto;

  static from(
    article: Pick<Article, 'interestingUp' | 'interestingDown' | 'supportUp' | 'supportDown'>,
  ): TalliesDto {
    return {
      interesting: { up: article.interestingUp, down: article.interestingDown },
      support: { up: article.supportUp, down: article.supportDown },
    };
  }
}

const VOTE_VALUES = ['up', 'down'];

export class MyVotesDto {
  @ApiProperty({ enum: VOTE_VALUES, nullable: true, type: String })
  interesting!: 'up' | 'down' | null;

  @ApiProperty({ enum: VOTE_VALUES, nullable: true, type: String })
  support!: 'up' | 'down' | null;
}

export class FollowUpDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  question!: string;

  @ApiProperty()
  answer!: string;
}

export class ArticleDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'rubio-and-mexicos-foreign-secretary-discuss-cooperation' })
  slug!: string;

  @ApiProperty({ example: 'Important News' })
  category!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({ type: [String] })
  keyTakeaways!: string[];

  @ApiProperty({ type: [FollowUpDto] })
  followUps!: FollowUpDto[];

  @ApiProperty({ type: TalliesDto })
  tallies!: TalliesDto;

  @ApiProperty({ minimum: 0, description: 'Visible comments' })
  commentCount!: number;

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;

  @ApiPropertyOptional({
    type: MyVotesDto,
    description: 'Present when the request is authenticated',
  })
  myVotes?: MyVotesDto;

  /** From the entity, or from the read path's plain `ArticleView` (no entity hydrated). */
  static from(article: Article | ArticleView, myVotes?: MyVotesDto): ArticleDto {
    const followUps = Array.isArray(article.followUps)
      ? article.followUps
      : article.followUps.getItems();
    return {
      ...ArticleSummaryDto.from(article),
      body: article.body,
      followUps: followUps.map((f) => ({
        id: f.id,
        question: f.question,
        answer: f.answer,
      })),
      ...(myVotes ? { myVotes } : {}),
    };
  }
}

export class ArticleSummaryDto extends OmitType(ArticleDto, ['body', 'followUps', 'myVotes']) {
  static from(article: Omit<ArticleView, 'body' | 'followUps'>): ArticleSummaryDto {
    return {
      id: article.id,
      slug: article.slug,
      category: article.category,
      title: article.title,
      keyTakeaways: article.keyTakeaways,
      tallies: TalliesDto.from(article),
      commentCount: article.commentCount,
      publishedAt: article.publishedAt.toISOString(),
    };
  }
}
