/** `Tallies` of the contract: what `Interesting: up/down • Support: up/down` shows. */
export interface Tallies {
  interesting: { up: number; down: number };
  support: { up: number; down: number };
}

/** The counter columns of an article row, as repositories select them. */
export interface TallyColumns {
  interesting_up: number;
  interesting_down: number;
  support_up: number;
  support_down: number;
}

/** The counters as `Tallies`: the one mapping from columns, used by every repository. */
export function talliesOf(row: TallyColumns): Tallies {
  return {
    interesting: { up: row.interesting_up, down: row.interesting_down },
    support: { up: row.support_up, down: row.support_down },
  };
}

/** The SQL select list of those columns, optionally qualified by a table alias. */
export function tallyColumns(alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return ['interesting_up', 'interesting_down', 'support_up', 'support_down']
    .map((column) => prefix + column)
    .join(', ');
}
