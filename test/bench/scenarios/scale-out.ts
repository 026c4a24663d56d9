/**
 * `scale-out`: the `fanout` load on one Townhall instance, then on two behind one Redis (one
 * database; the sockets split evenly; every vote sent to the first instance, so the second
 * hears of it through Redis). The baseline is the one-instance figure of the same run.
 */
import { LIVE_BENCH_ENV } from '../fanout-phase';
import { registerUsers, startBenchServer } from '../kit';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario';
import { fanout, fanoutLoad, fanoutRows, townhallFanout } from './fanout';

export const scaleOut: Scenario = {
  name: 'scale-out',
  summary: 'the fanout load on 1 and on 2 instances behind one Redis',
  options: fanout.options,
  usage: [
    'the fanout flags (--sockets N, --vote-rate R, --duration S, …): split over the instances',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const load = fanoutLoad(context);
    const cpuProf = context.values['cpu-prof'] === true;
    const first = await startBenchServer({ redis: true, cpuProf, env: LIVE_BENCH_ENV });
    const users = await registerUsers(first.base, load.users);
    context.log(`one instance (pid ${first.pid}), ${load.sockets} sockets`);
    const one = await townhallFanout(
      load,
      first.database.url,
      [first.base],
      [first.pid],
      users,
      context,
    );
    const second = await startBenchServer({
      redis: true,
      database: first.database,
      cpuProf,
      env: LIVE_BENCH_ENV,
    });
    context.log(`two instances (pids ${first.pid}, ${second.pid}), ${load.sockets} sockets split`);
    const two = await townhallFanout(
      load,
      first.database.url,
      [first.base, second.base],
      [first.pid, second.pid],
      users,
      context,
    );
    const rows = fanoutRows(
      'scale-out',
      two,
      one,
      '1 instance',
      false,
      `, 2 instances, ${load.sockets} sockets`,
    );
    return {
      // no target in the issue: the ratio is the figure
      rows: rows.map((row) => ({ ...row, target: '', met: null })),
      details: { load, oneInstance: one, twoInstances: two },
      problems: [
        ...one.problems.map((problem) => `1 instance: ${problem}`),
        ...two.problems.map((problem) => `2 instances: ${problem}`),
        ...(context.smoke && two.delivered !== two.expected
          ? [`2 instances delivered ${two.delivered} of ${two.expected} tally events`]
          : []),
      ],
    };
  },
};
