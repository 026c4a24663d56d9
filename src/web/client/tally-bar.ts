import type { Tallies } from '../../realtime/contract';
import type { Dimension, MyVotes, VoteValue } from './api';
import { messageOf } from './comment-actions';
import type { PageContext } from './context';
import { find, findAll } from './dom';

/** `Interesting: up/down • Support: up/down` with the vote buttons; one's own vote pressed. */
export class TallyBar {
  private mine: MyVotes = { interesting: null, support: null };
  private version = -1;

  constructor(
    private readonly ctx: PageContext,
    private readonly bar: HTMLElement,
    private readonly askToSignIn: () => void,
  ) {
    for (const button of findAll<HTMLButtonElement>('button.vote', bar)) {
      button.disabled = false;
      button.addEventListener('click', () => void this.vote(button));
    }
  }

  /** Live tallies: only ever newer ones (`version` grows); a vote's answer has no version. */
  set(tallies: Tallies, version?: number): void {
    if (version !== undefined) {
      if (version <= this.version) return;
      this.version = version;
    }
    for (const dimension of ['interesting', 'support'] as const) {
      const group = find(`[data-dimension="${dimension}"]`, this.bar);
      find('[data-count="up"]', group).textContent = String(tallies[dimension].up);
      find('[data-count="down"]', group).textContent = String(tallies[dimension].down);
    }
  }

  setMine(mine: MyVotes): void {
    this.mine = { ...mine };
    for (const button of findAll<HTMLButtonElement>('button.vote', this.bar)) {
      const dimension = button.closest<HTMLElement>('[data-dimension]')!.dataset
        .dimension as Dimension;
      button.setAttribute('aria-pressed', String(this.mine[dimension] === button.dataset.value));
    }
  }

  /** Pressing one's own vote again retracts it. */
  private async vote(button: HTMLButtonElement): Promise<void> {
    if (!this.ctx.user) return this.askToSignIn();
    const dimension = button.closest<HTMLElement>('[data-dimension]')!.dataset
      .dimension as Dimension;
    const value = button.dataset.value as VoteValue;
    const next = this.mine[dimension] === value ? null : value;
    button.disabled = true;
    try {
      const answer = await this.ctx.api.vote(this.ctx.articleId, dimension, next);
      this.set(answer.tallies);
      this.setMine({ ...this.mine, [dimension]: answer.myVote });
    } catch (error) {
      this.ctx.announce(messageOf(error));
    } finally {
      button.disabled = false;
    }
  }
}
