import type { TallyRow } from './votes.repository';

export interface Tallies {
  interesting: { up: number; down: number };
  support: { up: number; down: number };
}

export function talliesOf(row: TallyRow): Tallies {
  return {
    interesting: { up: row.interesting_up, down: row.interesting_down },
    support: { up: row.support_up, down: row.support_down },
  };
}
