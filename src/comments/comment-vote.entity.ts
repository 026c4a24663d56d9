import { Entity, Enum, ManyToOne, type Opt, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';
import { Comment } from './comment.entity';

export const COMMENT_VOTE_VALUES = ['up', 'down'] as const;
export type CommentVoteValue = (typeof COMMENT_VOTE_VALUES)[number];

/** One reader's up or down vote on a comment (not their own). Written by CommentVotesRepository. */
@Entity({ tableName: 'comment_votes' })
export class CommentVote {
  [PrimaryKeyProp]?: ['comment', 'user'];

  @ManyToOne(() => Comment, { primary: true, deleteRule: 'cascade' })
  comment: Comment;

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user: User;

  @Enum({ items: () => COMMENT_VOTE_VALUES, type: 'string', length: 8 })
  value: CommentVoteValue;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  constructor(comment: Comment, user: User, value: CommentVoteValue) {
    this.comment = comment;
    this.user = user;
    this.value = value;
  }
}
