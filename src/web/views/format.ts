import type { Tallies } from '../../realtime/contract';

/**
 * `11 Jan 2026, 12:00 UTC`. The server renders in UTC (it does not know the reader's zone);
 * the browser script uses the same format in the reader's own zone.
 */
export function dateFormatter(timeZone?: string): (iso: string | Date) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  });
  return (iso) => format.format(new Date(iso));
}

export const formatDate = dateFormatter('UTC');

/** `Interesting: 3/1 • Support: 0/2`, as the contract shows tallies. */
export function talliesText(tallies: Tallies): string {
  return `Interesting: ${tallies.interesting.up}/${tallies.interesting.down} • Support: ${tallies.support.up}/${tallies.support.down}`;
}
