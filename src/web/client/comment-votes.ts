import type { VoteCounts } from '../../realtime/contract';
import type { VoteValue } from './api';
import { messageOf } from './comment-actions';
import { scoreText } from './comment-dom';
import type { PageContext } from './context';
import { h } from './dom';
import { catalogue } from '../i18n';

/** This page's words for comments (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).thread;

const SYMBOL: Record<VoteValue, string> = { up: '▲', down: '▼' };

/**
 * Up and down vote buttons on each comment, with its score in them: for signed-in readers, on
 * visible comments that are not their own (anyone else sees the score as text). The pressed
 * button is the reader's vote (`aria-pressed`); pressing it again takes the vote back. Scores
 * change in place, from the vote's answer and from live `comment.score` events.
 */
export class CommentVotes {
  /** Comments whose vote is on its way: a second press waits for the answer. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly ctx: PageContext,
    list: HTMLElement,
  ) {
    list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>(
        'button[data-comment-vote]',
      );
      const item = button?.closest<HTMLLIElement>('li.comment');
      if (button && item) void this.vote(item, button.dataset.commentVote as VoteValue);
    });
  }

  /** Buttons or plain score, by who is signed in and whose comment it is. */
  render(item: HTMLElement): void {
    const slot = votesOf(item);
    const text = slot?.querySelector<HTMLElement>('[data-score]');
    if (!slot || !text) return; // a tombstone has no score
    slot.querySelectorAll('button[data-comment-vote]').forEach((button) => button.remove());
    const user = this.ctx.user;
    const canVote =
      user !== null && item.dataset.status === 'visible' && item.dataset.authorId !== user.id;
    text.hidden = canVote;
    if (!canVote) return;
    const score = readScore(text);
    const mine = item.dataset.myVote || null;
    text.before(
      ...(['up', 'down'] as const).map((value) =>
        h(
          'button',
          {
            type: 'button',
            class: 'vote comment-vote',
            'data-comment-vote': value,
            'aria-pressed': String(mine === value),
            'aria-label': label(value, score[value]),
            title: words().voteTitle(value),
          },
          `${SYMBOL[value]} `,
          h('span', { 'data-vote-count': value }, String(score[value])),
        ),
      ),
    );
  }

  /** A new absolute score (a live event or a vote's answer). */
  setScore(item: HTMLElement, score: VoteCounts): void {
    const text = votesOf(item)?.querySelector<HTMLElement>('[data-score]');
    if (!text) return;
    text.textContent = scoreText(score);
    for (const value of ['up', 'down'] as const) {
      const button = votesOf(item)?.querySelector<HTMLButtonElement>(
        `button[data-comment-vote="${value}"]`,
      );
      if (!button) continue;
      button.querySelector('[data-vote-count]')!.textContent = String(score[value]);
      button.setAttribute('aria-label', label(value, score[value]));
    }
  }

  private async vote(item: HTMLLIElement, value: VoteValue): Promise<void> {
    const id = item.dataset.commentId!;
    if (this.inFlight.has(id)) return;
    const next = item.dataset.myVote === value ? null : value;
    const buttons = [...(votesOf(item)?.querySelectorAll('button') ?? [])];
    // not disabled: that would take the keyboard focus away from the pressed button
    this.inFlight.add(id);
    votesOf(item)?.setAttribute('aria-busy', 'true');
    try {
      const answer = await this.ctx.api.voteComment(id, next);
      item.dataset.myVote = answer.myVote ?? '';
      this.setScore(item, answer.score);
      for (const button of buttons) {
        button.setAttribute('aria-pressed', String(button.dataset.commentVote === answer.myVote));
      }
    } catch (error) {
      this.ctx.announce(messageOf(error));
    } finally {
      this.inFlight.delete(id);
      votesOf(item)?.removeAttribute('aria-busy');
    }
  }
}

function votesOf(item: HTMLElement): HTMLElement | null {
  return item.querySelector<HTMLElement>(':scope > .comment__card [data-votes]');
}

/** The score as the text shows it (`▲ 3 ▼ 1`, see scoreText). */
function readScore(text: HTMLElement): VoteCounts {
  const [, up, down] = /▲\s*(\d+)\s*▼\s*(\d+)/.exec(text.textContent ?? '') ?? [];
  return { up: Number(up ?? 0), down: Number(down ?? 0) };
}

function label(value: VoteValue, count: number): string {
  return words().voteLabel(value, count);
}
