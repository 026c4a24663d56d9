import type { Tallies } from '../../realtime/contract';

const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** `11 Jan 2026, 12:00 UTC`: the server does not know the reader's zone. */
export function formatDate(iso: string | Date): string {
  return DATE.format(new Date(iso));
}

/** `Interesting: 3/1 • Support: 0/2`, as the contract shows tallies. */
export function talliesText(tallies: Tallies): string {
  return `Interesting: ${tallies.interesting.up}/${tallies.interesting.down} • Support: ${tallies.support.up}/${tallies.support.down}`;
}
