/** The shape every `npm run bench` scenario has; test/bench/bench.ts runs them. */
import type { ParseArgsConfig } from 'node:util';

/** parseArgs's option declarations (node:util's own name for it is missing from @types/node 20). */
export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** One line of the table: a Townhall figure beside its baseline measured in the same run. */
export interface BenchRow {
  /** the scenario's name, e.g. `votes-spread` */
  scenario: string;
  /** what is measured, with its unit: `acknowledged votes/s`, `vote → tally p99 (ms)` */
  metric: string;
  townhall: number | null;
  baseline: number | null;
  /** what the baseline is: `pgbench upsert`, `bare socket.io` */
  baselineName: string;
  /** townhall ÷ baseline (null when one is missing or the target is not a ratio) */
  ratio: number | null;
  /** the target as text: `≥ 0.3× baseline`, `≤ baseline + 100 ms`; '' for a figure without one */
  target: string;
  /** whether the target is met; null without a target (or when it could not be measured) */
  met: boolean | null;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface BenchContext {
  /** tiny sizes, seconds: checks the harness and exactness, no figure is judged */
  smoke: boolean;
  /** the large sizes (`--big`: e.g. 10,000 sockets) */
  big: boolean;
  /** every flag given, parsed with the scenarios' option declarations (strings/booleans) */
  values: OptionValues;
  log(line: string): void;
  /**
   * What the scenarios run earlier in this invocation returned, by name (a scenario that failed
   * is absent): lets one figure be judged against another's, e.g. votes-hot ÷ votes-spread.
   */
  previous: ReadonlyMap<string, ScenarioResult>;
}

export interface ScenarioResult {
  rows: BenchRow[];
  /** everything else measured, for the JSON file */
  details: Record<string, unknown>;
  /**
   * Exactness failures (a tally ≠ the recount, an event lost, a write failed): any one makes the
   * whole run fail, in --smoke too.
   */
  problems: string[];
}

export interface Scenario {
  name: string;
  /** one line for --help */
  summary: string;
  /** the flags this scenario reads (shared names such as `sockets` must agree on the type) */
  options: ParseArgsOptionsConfig;
  /** `--help` text for those flags, one line each */
  usage: string[];
  run(context: BenchContext): Promise<ScenarioResult>;
}

/** A ratio rounded to two decimals, or null when it cannot be computed. */
export function ratio(townhall: number | null, baseline: number | null): number | null {
  if (townhall === null || baseline === null || baseline === 0) return null;
  return Math.round((townhall / baseline) * 100) / 100;
}

/** Integer flag with bounds, or the default; a bad value is a UsageError. */
export function intFlag(values: OptionValues, name: string, fallback: number, min = 0, max = 1e9) {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** Number flag with bounds, or the default. */
export function numberFlag(
  values: OptionValues,
  name: string,
  fallback: number,
  min = 0,
  max = 1e9,
) {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export class UsageError extends Error {}
