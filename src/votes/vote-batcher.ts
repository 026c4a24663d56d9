import type { Tallies } from '../articles/tallies';
import { refusalError, type WriteRefusal } from '../common/auth/write-refusal';
import { NotFoundError } from '../common/errors/domain-error';
import { GroupCommit, type GroupCommitOptions } from '../common/group-commit/group-commit';
import type { Dimension, VoteValue } from './vote.entity';

/** One user's vote on one dimension of one article; `value: null` is no vote (retracted). */
export interface VoteChange {
  articleId: string;
  userId: string;
  dimension: Dimension;
  value: VoteValue | null;
}

export interface VoteOutcome {
  tallies: Tallies;
  myVote: VoteValue | null;
}

/** What one committed batch did. */
export interface BatchResult {
  /** The counters after the batch of every article of the batch that exists. */
  tallies: Map<string, { tallies: Tallies; version: number }>;
  /** The articles whose counters the batch changed. */
  changed: Set<string>;
  /** Voters of the batch the database refused (nothing of theirs was written), and why. */
  refused?: Map<string, WriteRefusal>;
}

export type VoteBatcherOptions = Omit<
  GroupCommitOptions<VoteChange, BatchResult, VoteOutcome>,
  'keyOf' | 'laneOf' | 'outcome'
>;

/**
 * Group commit of article votes (GroupCommit): one vote per article, user and dimension in a
 * batch, an article always in the same lane; each vote is answered with the tallies after its
 * batch, or NotFoundError when its article does not exist, or the guards' 403/401 when its
 * voter was banned or erased by the time the batch ran.
 */
export class VoteBatcher extends GroupCommit<VoteChange, BatchResult, VoteOutcome> {
  constructor(options: VoteBatcherOptions) {
    super({
      ...options,
      keyOf: voteKey,
      laneOf: (change) => change.articleId,
      outcome: (change, result) => {
        const refused = result.refused?.get(change.userId);
        if (refused) return refusalError(refused);
        const after = result.tallies.get(change.articleId);
        return after
          ? { tallies: after.tallies, myVote: change.value }
          : new NotFoundError('article');
      },
    });
  }
}

export function voteKey(vote: Pick<VoteChange, 'articleId' | 'userId' | 'dimension'>): string {
  return `${vote.articleId}:${vote.userId}:${vote.dimension}`;
}
