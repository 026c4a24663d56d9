import type { Tallies } from '../articles/tallies';

/** After the commit of a vote that changed an article's tallies. */
export interface TallyChangedEvent {
  articleId: string;
  tallies: Tallies;
  /** Strictly increasing per article, whatever instance wrote the vote. */
  version: number;
  /** Epoch ms just after COMMIT (absent on tallies read back from the database). */
  committedAt?: number;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'tally.changed': TallyChangedEvent;
  }
}
