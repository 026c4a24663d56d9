/** After the commit of a vote that changed a comment's score. */
export interface CommentScoreChangedEvent {
  articleId: string;
  commentId: string;
  score: { up: number; down: number };
  /** Strictly increasing per comment, whatever instance wrote the vote. */
  version: number;
  committedAt?: number;
}

declare module '../../common/events/domain-event-bus' {
  interface DomainEvents {
    'comment.score.changed': CommentScoreChangedEvent;
  }
}
