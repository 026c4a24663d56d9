/**
 * How much less often a big room is sent tallies and comment scores: from `sockets` local
 * subscribers up, the interval is `factor` × TALLY_INTERVAL_MS. A tally costs one socket write
 * per subscriber, so a 10,000-socket room at 10 tallies/s is 100,000 writes a second, more
 * than one core does; at 2.5/s it is 25,000. The contract only says "at most once per
 * TALLY_INTERVAL_MS", so a longer interval keeps it; the factor is capped (MAX_ROOM_FACTOR) so
 * that the newest tally is never more than 4 intervals (400 ms by default) behind.
 */
export const ROOM_INTERVAL_STEPS: readonly { sockets: number; factor: number }[] = [
  { sockets: 8_000, factor: 4 },
  { sockets: 2_000, factor: 2 },
];

/** The largest factor of any step: the longest a tally or score waits is this × the base. */
export const MAX_ROOM_FACTOR = 4;

/** The interval between two tallies (or two scores of a comment) of a room this size. */
export function roomIntervalMs(baseMs: number, localSockets: number): number {
  for (const step of ROOM_INTERVAL_STEPS) {
    if (localSockets >= step.sockets) return baseMs * Math.min(step.factor, MAX_ROOM_FACTOR);
  }
  return baseMs;
}
