/**
 * `read`: `GET /api/articles/:id` requests per second against the same server's bare liveness
 * route (`GET /health/live`: the same middleware chain, no database), both driven by autocannon
 * from this process (a separate one from the server) over kept-alive connections.
 */
import autocannon from 'autocannon';
import {
  type Account,
  ADMIN,
  api,
  type BenchServer,
  createArticle,
  login,
  startBenchServer,
} from '../kit';
import { round1, type Sample, startSampler } from '../measure';
import { type BenchRow, intFlag, numberFlag, ratio, type Scenario } from '../scenario';

const BARE_PATH = '/health/live';

const OPTIONS = {
  connections: { type: 'string' },
  duration: { type: 'string' },
  'read-auth': { type: 'boolean' },
  'cpu-prof': { type: 'boolean' },
} as const;

const USAGE = [
  '--connections N      autocannon connections (default 50; smoke 10)',
  '--duration S         seconds per route, after a warm-up (default 20; smoke 2)',
  '--read-auth          also read the article with a token (user reloaded, myVotes)',
];

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  serverCpu: number | null;
  /** answers per second of the server's CPU: less bent by what else runs on the machine */
  perServerCpuSecond: number | null;
  clientCpu: number | null;
  machineCpu: number | null;
}

export const read: Scenario = {
  name: 'read',
  summary: 'GET /api/articles/:id req/s vs the bare GET /health/live of the same server',
  options: OPTIONS,
  usage: USAGE,
  async run(context) {
    const { values, smoke } = context;
    const connections = intFlag(values, 'connections', smoke ? 10 : 50, 1, 10_000);
    const seconds = numberFlag(values, 'duration', smoke ? 2 : 20, 0.5, 3600);
    const warmup = smoke ? 0.5 : 2;
    const server = await startBenchServer({ cpuProf: values['cpu-prof'] === true });
    context.log(`server pid ${server.pid} at ${server.base}`);
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const articleId = await readableArticle(server, admin);
    const articlePath = `/api/articles/${articleId}`;

    const measure = async (path: string, token?: string): Promise<Run> => {
      await cannon(server, path, connections, warmup, token);
      const run = await cannon(server, path, connections, seconds, token);
      context.log(
        `GET ${path}${token ? ' (token)' : ''}: ${run.requestsPerSecond} req/s, p50 ${run.p50} ms, ` +
          `p99 ${run.p99} ms; CPU server ${run.serverCpu}% (${run.perServerCpuSecond} per CPU-s), bench ${run.clientCpu}%, ` +
          `machine ${run.machineCpu}% of 2 cores`,
      );
      return run;
    };
    const bare = await measure(BARE_PATH);
    const article = await measure(articlePath);
    const authenticated =
      values['read-auth'] === true ? await measure(articlePath, admin.token) : null;

    const problems = [
      ['bare', bare],
      ['article', article],
      ['article with token', authenticated],
    ].flatMap(([name, run]) => {
      const r = run as Run | null;
      return r && (r.errors || r.non2xx)
        ? [`${name as string}: ${r.errors} connection errors, ${r.non2xx} non-2xx answers`]
        : [];
    });
    const readRatio = ratio(article.requestsPerSecond, bare.requestsPerSecond);
    const rows: BenchRow[] = [
      {
        scenario: 'read',
        metric: 'GET /api/articles/:id req/s',
        townhall: article.requestsPerSecond,
        baseline: bare.requestsPerSecond,
        baselineName: `GET ${BARE_PATH}`,
        ratio: readRatio,
        target: '≥ 0.5× baseline',
        met: readRatio === null ? null : readRatio >= 0.5,
      },
      {
        scenario: 'read',
        metric: 'req per server CPU-second',
        townhall: article.perServerCpuSecond,
        baseline: bare.perServerCpuSecond,
        baselineName: `GET ${BARE_PATH}`,
        ratio: ratio(article.perServerCpuSecond, bare.perServerCpuSecond),
        target: '',
        met: null,
      },
      {
        scenario: 'read',
        metric: 'GET /api/articles/:id p99 (ms)',
        townhall: article.p99,
        baseline: bare.p99,
        baselineName: `GET ${BARE_PATH}`,
        ratio: null,
        target: '',
        met: null,
      },
    ];
    if (authenticated) {
      rows.push({
        scenario: 'read',
        metric: 'GET /api/articles/:id with token req/s',
        townhall: authenticated.requestsPerSecond,
        baseline: bare.requestsPerSecond,
        baselineName: `GET ${BARE_PATH}`,
        ratio: ratio(authenticated.requestsPerSecond, bare.requestsPerSecond),
        target: '',
        met: null,
      });
    }
    return {
      rows,
      details: { connections, seconds, warmup, bare, article, authenticated },
      problems,
    };
  },
};

/** An article as readers see them: takeaways, follow-ups, a vote in its tallies. */
async function readableArticle(server: BenchServer, admin: Account): Promise<string> {
  const id = await createArticle(server.base, admin, 'Bench article to read');
  await api(server.base, 'PATCH', `/api/articles/${id}`, {
    token: admin.token,
    body: {
      body: 'A paragraph of the article. '.repeat(40),
      keyTakeaways: ['The first takeaway.', 'The second one, a bit longer.', 'A third.'],
      followUps: [
        { question: 'What happens next?', answer: 'An answer of a few sentences. '.repeat(4) },
        { question: 'Who decides?', answer: 'Another answer. '.repeat(4) },
      ],
    },
    expect: 200,
  });
  await api(server.base, 'PUT', `/api/articles/${id}/votes/interesting`, {
    token: admin.token,
    body: { value: 'up' },
    expect: 200,
  });
  return id;
}

async function cannon(
  server: BenchServer,
  path: string,
  connections: number,
  seconds: number,
  token?: string,
): Promise<Run> {
  const sampler = startSampler(server.pid);
  const result = await autocannon({
    url: `${server.base}${path}`,
    connections,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const samples = sampler.stop();
  const mean = (pick: (sample: Sample) => number | null): number | null => {
    const values = samples.map(pick).filter((value): value is number => value !== null);
    return values.length ? round1(values.reduce((a, b) => a + b, 0) / values.length) : null;
  };
  const serverCpu = mean((sample) => sample.serverCpu);
  const requestsPerSecond = Math.round(result['2xx'] / result.duration);
  return {
    // answered requests over the run (autocannon's per-second average leaves out a partial second)
    requestsPerSecond,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    serverCpu,
    perServerCpuSecond: serverCpu ? Math.round(requestsPerSecond / (serverCpu / 100)) : null,
    clientCpu: mean((sample) => sample.clientCpu),
    machineCpu: mean((sample) => sample.machineCpu),
  };
}
