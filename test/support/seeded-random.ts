import { randomInt } from 'node:crypto';

/** Random numbers from a seed that is printed, so that a failing random plan can be replayed. */
export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max). */
  int(min: number, max: number): number;
}

/**
 * A generator seeded from TEST_SEED when set (to replay a run), else from a fresh random seed;
 * either way it prints `<label>: random seed N (TEST_SEED=N repeats it)` once, through `log`.
 */
export function seededRandom(
  label: string,
  log: (line: string) => void = (line) => console.log(line),
): SeededRandom {
  const given = process.env.TEST_SEED;
  const seed =
    given !== undefined && /^\d+$/.test(given) ? Number(given) % 2 ** 32 : randomInt(2 ** 32);
  log(`${label}: random seed ${seed} (TEST_SEED=${seed} repeats it)`);
  // mulberry32: small, fast, and good enough to draw test plans from
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min)) };
}
