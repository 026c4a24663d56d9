/**
 * `npm run bench -- [scenario ...] [--smoke] [--big] [--json FILE] [flags]`: runs the scenarios
 * (all by default) one after the other against compiled servers it starts, prints one table
 * (scenario, Townhall figure, baseline, ratio, target, met?) and writes the same as JSON.
 * Exit 1 when a scenario fails or reports an exactness problem; a missed target is reported,
 * not fatal. `--help` lists the scenarios and their flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, RESULTS_DIR, sleep, withTimeout } from './kit';
import { round1, startSampler } from './measure';
import {
  type BenchRow,
  numberFlag,
  type ParseArgsOptionsConfig,
  type Scenario,
  type ScenarioResult,
  UsageError,
} from './scenario';

/** Every scenario, in the order a full run takes them: its module and the export's name. */
const SCENARIOS: Record<string, () => Scenario> = {
  'votes-spread': () => load('./scenarios/votes', 'votesSpread'),
  'votes-hot': () => load('./scenarios/votes', 'votesHot'),
  fanout: () => load('./scenarios/fanout', 'fanout'),
  comments: () => load('./scenarios/comments', 'comments'),
  memory: () => load('./scenarios/memory', 'memory'),
  'catch-up': () => load('./scenarios/catch-up', 'catchUp'),
  'scale-out': () => load('./scenarios/scale-out', 'scaleOut'),
  read: () => load('./scenarios/read', 'read'),
  counts: () => load('./scenarios/counts', 'counts'),
  'replay-storm': () => load('./scenarios/replay-storm', 'replayStorm'),
  presence: () => load('./scenarios/presence', 'presence'),
  relay: () => load('./scenarios/relay', 'relay'),
  'embed-fcp': () => load('./scenarios/embed-fcp', 'embedFcp'),
  'comment-words': () => load('./scenarios/moderation', 'commentWords'),
  'comment-votes-hot': () => load('./scenarios/moderation', 'commentVotesHot'),
  'reply-cost': () => load('./scenarios/notify', 'replyCost'),
  'webhook-drain': () => load('./scenarios/notify', 'webhookDrain'),
};

/** A scenario module is loaded on demand, so one that fails to load fails only its scenario. */
function load(module: string, name: string): Scenario {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by name, on demand
  return (require(module) as Record<string, Scenario>)[name]!;
}

const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  smoke: { type: 'boolean', default: false },
  big: { type: 'boolean', default: false },
  json: { type: 'string' },
  'scenario-timeout': { type: 'string' },
  help: { type: 'boolean', default: false },
};

const GLOBAL_USAGE = [
  '--smoke              tiny sizes, seconds: checks the harness and exactness, judges no figure',
  '--big                the large sizes (10,000 sockets for fanout and scale-out)',
  '--json FILE          also write the results here (always: bench-results/bench-<time>.json)',
  '--scenario-timeout S  a scenario still running after S seconds fails (default 1800; smoke 300)',
];

/** Rejections nobody handled during the run: any one fails it (exit 1). */
const unhandledRejections: string[] = [];

/** The commit the run measured, and whether the work tree differed from it (`git status`). */
function gitCommit(): { commit: string | null; dirty: boolean | null } {
  const git = (...args: string[]): string | null => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return null;
    }
  };
  const commit = git('rev-parse', 'HEAD')?.trim() ?? null;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit, dirty: status === null ? null : status.trim() !== '' };
}

/** How long the machine is watched, idle, before each scenario: what else runs shows there. */
const IDLE_SAMPLE_MS = 1_000;

interface Outcome {
  scenario: string;
  seconds: number;
  /** the machine before the scenario started: CPU busy (% of all cores) and the load average */
  machine: { busyBeforePercent: number | null; loadAverage1m: number };
  rows: BenchRow[];
  details: Record<string, unknown>;
  problems: string[];
  error: string | null;
}

/** A scenario whose module could not be loaded: listed, and failing when run. */
function unavailable(name: string, error: unknown): Scenario {
  const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return {
    name,
    summary: `(not available: ${reason})`,
    options: {},
    usage: [],
    run: () => Promise.reject(new Error(`scenario ${name} could not be loaded: ${reason}`)),
  };
}

/** Every scenario's declarations, with the global flags; one flag name must mean one type. */
function mergeOptions(scenarios: Scenario[]): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = { ...GLOBAL_OPTIONS };
  const owner = new Map<string, string>(Object.keys(GLOBAL_OPTIONS).map((name) => [name, 'bench']));
  for (const scenario of scenarios) {
    for (const [name, option] of Object.entries(scenario.options)) {
      const known = options[name];
      if (known && (known.type !== option.type || known.multiple !== option.multiple)) {
        throw new Error(
          `flag --${name}: ${scenario.name} declares it ${option.type}, ` +
            `${owner.get(name)} ${known.type}; shared flags must agree`,
        );
      }
      options[name] = option;
      owner.set(name, scenario.name);
    }
  }
  return options;
}

/** parseArgs, its complaints (unknown flag, missing value) as usage errors. */
function parseFlags(argv: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const all = Object.entries(SCENARIOS).map(([name, load]) => {
    try {
      const scenario = load();
      if (scenario?.name !== name) throw new Error(`its module exports no scenario "${name}"`);
      return scenario;
    } catch (error) {
      return unavailable(name, error);
    }
  });
  const options = mergeOptions(all);
  const { values, positionals } = parseFlags(argv, options);
  if (values.help) {
    printHelp(all);
    return 0;
  }
  const unknown = positionals.filter((name) => !(name in SCENARIOS));
  if (unknown.length) throw new UsageError(`unknown scenario: ${unknown.join(', ')}`);
  const scenarios = positionals.length
    ? all.filter((scenario) => positionals.includes(scenario.name))
    : all;

  const smoke = values.smoke === true;
  const big = values.big === true;
  const flags = values as Record<string, string | boolean | undefined>;
  const timeoutMs = numberFlag(flags, 'scenario-timeout', smoke ? 300 : 1800, 1) * 1000;
  const outcomes: Outcome[] = [];
  const previous = new Map<string, ScenarioResult>();
  const startedAt = new Date();
  for (const scenario of scenarios) {
    console.log(`\n=== ${scenario.name}${smoke ? ' (smoke)' : ''}: ${scenario.summary}`);
    const machine = await idleMachine();
    console.log(
      `  machine before: ${machine.busyBeforePercent ?? 'n/a'}% CPU busy of ${availableParallelism()} cores, ` +
        `load average ${machine.loadAverage1m}`,
    );
    const began = performance.now();
    const outcome: Outcome = {
      scenario: scenario.name,
      seconds: 0,
      machine,
      rows: [],
      details: {},
      problems: [],
      error: null,
    };
    try {
      const result = await withTimeout(
        scenario.run({
          smoke,
          big,
          values: flags,
          log: (line) => console.log(`  ${line}`),
          previous,
        }),
        timeoutMs,
        `scenario ${scenario.name}`,
      );
      Object.assign(outcome, {
        rows: result.rows,
        details: result.details,
        problems: result.problems,
      });
      previous.set(scenario.name, result);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      outcome.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`  ${scenario.name} failed: ${outcome.error}`);
    } finally {
      await cleanup();
    }
    outcome.seconds = Math.round((performance.now() - began) / 100) / 10;
    for (const problem of outcome.problems) console.error(`  PROBLEM: ${problem}`);
    outcomes.push(outcome);
  }

  const rows = outcomes.flatMap((outcome) => outcome.rows);
  console.log(`\n${table(rows, smoke)}`);
  const report = {
    at: startedAt.toISOString(),
    git: gitCommit(),
    smoke,
    big,
    argv,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    rows,
    scenarios: outcomes,
    unhandledRejections,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `bench-${report.at.replace(/[:.]/g, '-')}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, json);
  if (typeof values.json === 'string') writeFileSync(resolve(values.json), json);
  console.log(
    `\nwritten to ${file}${typeof values.json === 'string' ? ` and ${values.json}` : ''} ` +
      `(commit ${report.git.commit ?? 'unknown'}${report.git.dirty ? ', work tree changed' : ''})`,
  );

  const failed = outcomes.filter((outcome) => outcome.error || outcome.problems.length);
  if (failed.length) {
    console.error(`failed: ${failed.map((outcome) => outcome.scenario).join(', ')}`);
    return 1;
  }
  if (unhandledRejections.length) {
    console.error(`failed: ${unhandledRejections.length} unhandled rejection(s)`);
    return 1;
  }
  return 0;
}

/** The machine's CPU in use over a moment with no scenario running, and the load average. */
async function idleMachine(): Promise<Outcome['machine']> {
  const sampler = startSampler(null, IDLE_SAMPLE_MS);
  await sleep(IDLE_SAMPLE_MS + 50);
  const [sample] = sampler.stop();
  return {
    busyBeforePercent: sample?.machineCpu ?? null,
    loadAverage1m: round1(loadavg()[0] ?? 0),
  };
}

function printHelp(scenarios: Scenario[]): void {
  const lines = [
    'usage: npm run bench -- [scenario ...] [flags]',
    '',
    'scenarios (all by default):',
  ];
  const shown = new Map<string, string>();
  for (const scenario of scenarios) {
    lines.push(`  ${scenario.name.padEnd(14)}${scenario.summary}`);
    const usage = scenario.usage.join('\n');
    const same = shown.get(usage);
    if (same) lines.push(`      the flags of ${same}`);
    else for (const line of scenario.usage) lines.push(`      ${line}`);
    if (usage && !same) shown.set(usage, scenario.name);
  }
  lines.push('', 'flags:', ...GLOBAL_USAGE.map((line) => `  ${line}`));
  console.log(lines.join('\n'));
}

/** The one table: a column per field, numbers as measured, `-` where there is none. */
export function table(rows: BenchRow[], smoke: boolean): string {
  const cell = (value: number | string | boolean | null): string => {
    if (value === null) return '-';
    if (typeof value === 'boolean') return value ? 'yes' : 'NO';
    if (typeof value === 'number') {
      return String(Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)));
    }
    return value;
  };
  const header = ['scenario', 'metric', 'Townhall', 'baseline', 'ratio', 'target', 'met?'];
  const body = rows.map((row) => [
    row.scenario,
    row.metric,
    cell(row.townhall),
    row.baseline === null ? '-' : `${cell(row.baseline)} (${row.baselineName})`,
    cell(row.ratio),
    row.target || '-',
    smoke ? 'smoke' : cell(row.met),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((line) => line[i]!.length)),
  );
  const format = (line: string[]): string =>
    line
      .map((value, i) => (i >= 2 && i <= 4 ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ');
  return [
    format(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...body.map(format),
  ].join('\n');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // a second signal: out at once (servers left behind die with their pipes; databases stay)
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`\n${signal}: cleaning up… (again to quit at once)`);
    void cleanup().finally(() => process.exit(130));
  });
}

// a promise a scenario left behind (e.g. after its timeout) must not end the run before its
// cleanup, but it fails the run: it is recorded, reported in the JSON and makes the exit code 1
process.on('unhandledRejection', (reason) => {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  unhandledRejections.push(text);
  console.error('unhandled rejection (fails the run):', reason);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n\`npm run bench -- --help\` lists scenarios and flags`);
    } else {
      console.error(error);
    }
    void cleanup().finally(() => process.exit(2));
  },
);
