import { randomBytes } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import { BadRequestError, ConflictError, NotFoundError } from '../common/errors/domain-error';
import { Article } from './article.entity';
import {
  type ArticleSummaryView,
  type ArticleView,
  ArticlesRepository,
} from './articles.repository';
import {
  type CreateArticleDto,
  type FollowUpInputDto,
  SLUG_PATTERN,
  type UpdateArticleDto,
} from './dto/article-input.dto';
import { FollowUp } from './follow-up.entity';
import { slugify, withSuffix } from './slug';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** (publishedAt, id) of the last article of a page. */
const CURSOR = cursorCodec('instant', 'uuid');

@Injectable()
export class ArticlesService {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly em: EntityManager,
  ) {}

  async list(limit: number, cursor?: string): Promise<Page<ArticleSummaryView>> {
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const rows = await this.articles.listViews(
      limit + 1,
      after ? { publishedAt: after[0], id: after[1] } : undefined,
    );
    return toPage(
      rows,
      limit,
      (a) => a,
      (a) => CURSOR.encode([a.publishedAt.toISOString(), a.id]),
    );
  }

  /** By id when it looks like a UUID, else by slug; anything else is simply not found. */
  async get(idOrSlug: string): Promise<ArticleView> {
    const article = UUID.test(idOrSlug)
      ? await this.articles.findView({ id: idOrSlug.toLowerCase() })
      : SLUG_PATTERN.test(idOrSlug) && idOrSlug.length <= 120
        ? await this.articles.findView({ slug: idOrSlug })
        : null;
    if (!article) throw new NotFoundError('article');
    return article;
  }

  /** A site's article by the publisher's own id, or null. */
  findByExternalId(siteId: string, externalId: string): Promise<ArticleView | null> {
    return this.articles.findView({ siteId: siteId.toLowerCase(), externalId });
  }

  myVotes(articleId: string, userId: string): ReturnType<ArticlesRepository['myVotes']> {
    return this.articles.myVotes(articleId, userId);
  }

  /** Answers with the stored article, read back as every read shows it. */
  async create(input: CreateArticleDto): Promise<ArticleView> {
    const slug = input.slug ?? (await this.freeSlug(slugify(input.title)));
    const article = new Article({
      slug,
      category: input.category,
      title: input.title,
      body: input.body ?? '',
      keyTakeaways: input.keyTakeaways,
    });
    input.followUps.forEach((f, i) =>
      article.followUps.add(new FollowUp(article, i, f.question, f.answer)),
    );
    await this.save(article);
    return this.get(article.id);
  }

  async update(id: string, input: UpdateArticleDto): Promise<ArticleView> {
    const article = await this.articles.findWithFollowUps({ id });
    if (!article) throw new NotFoundError('article');
    if (input.slug !== undefined) article.slug = input.slug;
    if (input.category !== undefined) article.category = input.category;
    if (input.title !== undefined) article.title = input.title;
    if (input.body !== undefined) article.body = input.body;
    if (input.keyTakeaways !== undefined) article.keyTakeaways = input.keyTakeaways;
    if (input.followUps !== undefined) this.replaceFollowUps(article, input.followUps);
    if (input.commentsClosed !== undefined) article.commentsClosed = input.commentsClosed;
    await this.save(article);
    return this.get(article.id);
  }

  async remove(id: string): Promise<void> {
    const deleted = await this.articles.nativeDelete({ id });
    if (deleted === 0) throw new NotFoundError('article');
  }

  /** Follow-ups named by `id` are kept and edited; the others are replaced. */
  private replaceFollowUps(article: Article, inputs: FollowUpInputDto[]): void {
    const existing = new Map(article.followUps.getItems().map((f) => [f.id, f]));
    const next = inputs.map((input, position) => {
      if (input.id === undefined)
        return new FollowUp(article, position, input.question, input.answer);
      const kept = existing.get(input.id);
      if (!kept)
        throw new BadRequestError(`followUps.${position}.id is not a follow-up of this article`);
      existing.delete(input.id);
      kept.position = position;
      kept.question = input.question;
      kept.answer = input.answer;
      return kept;
    });
    article.followUps.set(next);
  }

  private async freeSlug(base: string): Promise<string> {
    return (await this.articles.slugTaken(base))
      ? withSuffix(base, randomBytes(3).toString('hex'))
      : base;
  }

  private async save(article: Article): Promise<void> {
    try {
      await this.em.persistAndFlush(article);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`slug "${article.slug}" is already used by another article`);
      }
      throw error;
    }
  }
}
