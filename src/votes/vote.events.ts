import type { Tallies } from './tallies';

/** After the commit of a vote that changed an article's tallies. */
export interface TallyChangedEvent {
  articleId: string;
  tallies: Tallies;
  /** Strictly increasing per article, whatever instance wrote the vote. */
  version: number;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'tally.changed': TallyChangedEvent;
  }
}
