import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import type { ArticleSummaryView, ArticleView } from '../articles.repository';

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

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: "The publisher's site",
  })
  siteId!: string | null;

  @ApiProperty({ nullable: true, type: String, description: "The publisher's own id" })
  externalId!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Where the publisher shows it' })
  url!: string | null;

  @ApiProperty({ description: 'No new comments may be posted' })
  commentsClosed!: boolean;

  @ApiPropertyOptional({
    type: MyVotesDto,
    description: 'Present when the request is authenticated',
  })
  myVotes?: MyVotesDto;

  static from(article: ArticleView, myVotes?: MyVotesDto): ArticleDto {
    return {
      ...ArticleSummaryDto.from(article),
      body: article.body,
      followUps: article.followUps.map((f) => ({
        id: f.id,
        question: f.question,
        answer: f.answer,
      })),
      ...(myVotes ? { myVotes } : {}),
    };
  }
}

export class ArticleSummaryDto extends OmitType(ArticleDto, ['body', 'followUps', 'myVotes']) {
  static from(article: ArticleSummaryView): ArticleSummaryDto {
    return {
      id: article.id,
      slug: article.slug,
      category: article.category,
      title: article.title,
      keyTakeaways: article.keyTakeaways,
      tallies: article.tallies,
      commentCount: article.commentCount,
      publishedAt: article.publishedAt.toISOString(),
      siteId: article.siteId,
      externalId: article.externalId,
      url: article.url,
      commentsClosed: article.commentsClosed,
    };
  }
}
