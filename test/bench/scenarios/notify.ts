/**
 * Issue 17's two figures.
 *
 * `reply-cost`: posting a reply that sets off a notification, a mail job and a webhook delivery
 * against posting one that sets off none, on the same server in the same run (phases
 * alternate: none, all, none, all). "All": user B replies to a comment of user A (A has a
 * verified address and `immediate` mails, MAIL_BATCH_MS=1000 so nearly every reply starts a
 * mail job) on an article of a site with a webhook for `comment.created`; the mails go to an SMTP
 * server in this process and the deliveries to a receiver here (WEBHOOK_ALLOW_PRIVATE=true).
 * "None": a reader replies to their own comment on an article of a site without webhooks. Open
 * loop at a fixed rate (`--rate`, 40/s: well under what the server takes, so the latency is the
 * request's own work and not a queue); the figure is the mean latency of the POST from its
 * planned start. The workers run in the same process meanwhile: their share shows in the
 * server CPU per reply, the second figure.
 * Exactness: every "all" reply is notified, mailed and delivered once the queue drains.
 *
 * `webhook-drain`: a backlog of 10,000 `comment.created` deliveries. The server is stopped, the
 * comments are inserted with SQL (the database's triggers write the activity outbox as for any
 * change), the server is started again: the time from its start until a local receiver has
 * every delivery, through the drainer (outbox → deliveries and jobs) and the webhook worker.
 * Baseline: this process POSTing as many signed requests to the same receiver, as many at once
 * as the worker fetches (50).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { query } from '../../support/test-database';
import { until } from '../../support/until';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import {
  type Account,
  ADMIN,
  api,
  KeepAliveClient,
  login,
  onCleanup,
  registerUsers,
  sleep,
  startBenchServer,
} from '../kit';
import { cpuSeconds, round1, startSampler } from '../measure';
import { type BenchRow, intFlag, numberFlag, ratio, type Scenario } from '../scenario';

const REPLY_OPTIONS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
} as const;
const REPLY_USAGE = [
  '--rate N             replies per second, open loop (default 40; smoke 20)',
  '--duration S         seconds of each of the four phases (default 15; smoke 2)',
];
/** Replies waiting for an answer at most; past it a planned reply is dropped (a problem). */
const MAX_IN_FLIGHT = 200;
const REPLIERS = 16;
const DRAIN_OPTIONS = { deliveries: { type: 'string' } } as const;
const DRAIN_USAGE = ['--deliveries N       the backlog (default 10000; smoke 300)'];
/** The webhook worker's batch (WebhookSender): deliveries in flight at once. */
const WORKER_BATCH = 50;
const DRAIN_TIMEOUT_MS = 300_000;

/** An SMTP server in this process that counts what it accepts. */
async function startSmtpSink(): Promise<{ url: string; count: () => number }> {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(() => {
          count++;
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('stop the SMTP sink', () => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, count: () => count };
}

async function receiver(): Promise<WebhookReceiver> {
  const hooks = await startWebhookReceiver([200]);
  onCleanup('stop the webhook receiver', () => hooks.close());
  return hooks;
}

async function siteArticle(base: string, admin: Account, siteId: string, externalId: string) {
  return (
    await api<{ id: string }>(base, 'PUT', `/api/sites/${siteId}/articles/${externalId}`, {
      token: admin.token,
      body: { title: `Story ${externalId}`, category: 'News' },
      expect: 201,
    })
  ).id;
}

async function newSite(base: string, admin: Account, name: string): Promise<string> {
  return (
    await api<{ id: string }>(base, 'POST', '/api/sites', {
      token: admin.token,
      body: { name, origins: ['https://news.example'] },
      expect: 201,
    })
  ).id;
}

interface Phase {
  name: 'none' | 'all';
  replies: number;
  errors: number;
  meanMs: number;
  p50: number | null;
  p99: number | null;
  perSecond: number;
  serverCpu: number | null;
  /** server CPU over the phase (the workers' share included) per reply */
  cpuMsPerReply: number | null;
}

export const replyCost: Scenario = {
  name: 'reply-cost',
  summary: 'POST a reply that notifies, mails and calls a webhook vs one that sets off nothing',
  options: REPLY_OPTIONS,
  usage: REPLY_USAGE,
  async run(context) {
    const { values, smoke } = context;
    const rate = numberFlag(values, 'rate', smoke ? 20 : 40, 1, 2_000);
    const seconds = numberFlag(values, 'duration', smoke ? 2 : 15, 0.5, 3600);
    const connections = 32;
    const smtp = await startSmtpSink();
    const hooks = await receiver();
    const server = await startBenchServer({
      env: { SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: 'true', MAIL_BATCH_MS: '1000' },
    });
    context.log(`server pid ${server.pid} at ${server.base}`);
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const hooked = await newSite(server.base, admin, 'Hooked publisher');
    const quiet = await newSite(server.base, admin, 'Quiet publisher');
    await api(server.base, 'POST', `/api/sites/${hooked}/webhooks`, {
      token: admin.token,
      body: { url: `${hooks.url}/hook`, events: ['comment.created'] },
      expect: 201,
    });
    const allArticle = await siteArticle(server.base, admin, hooked, 'notify-all');
    const noneArticle = await siteArticle(server.base, admin, quiet, 'notify-none');

    // A: the notified (verified address, immediate mails); B: who replies to them
    const recipients = await registerUsers(server.base, 64);
    const repliers = await registerUsers(server.base, REPLIERS);
    await query(
      server.database.url,
      `UPDATE users SET email = username || '@bench.example', email_verified = true,
              email_notifications = 'immediate'
        WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)`,
      [JSON.stringify(recipients.map((r) => r.id))],
    );
    const post = (article: string, author: Account, body: string, parentId?: string) =>
      api<{ id: string }>(server.base, 'POST', `/api/articles/${article}/comments`, {
        token: author.token,
        body: parentId ? { body, parentId } : { body },
        expect: 201,
      });
    const questions = await Promise.all(
      recipients.map((r, i) => post(allArticle, r, `Question ${i}`)),
    );
    const ownComments = await Promise.all(
      repliers.map((r, i) => post(noneArticle, r, `My own note ${i}`)),
    );

    const client = new KeepAliveClient(server.base, connections);
    onCleanup('close the reply client', async () => client.close());
    let next = 0;
    /** "all" replies answered 201, warm-up included: each must be notified, mailed, delivered. */
    let allPosted = 0;
    /** Open loop: one reply every 1/rate s whatever the answers; latency from the planned start. */
    const runPhase = async (name: Phase['name'], phaseSeconds: number): Promise<Phase> => {
      const latencies: number[] = [];
      let errors = 0;
      let inFlight = 0;
      let dropped = 0;
      const sampler = startSampler(server.pid);
      const cpuBefore = cpuSeconds(server.pid);
      const total = Math.max(1, Math.round(phaseSeconds * rate));
      const began = performance.now();
      const sent: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const planned = began + (i * 1000) / rate;
        const wait = planned - performance.now();
        if (wait > 0) await sleep(wait);
        if (inFlight >= MAX_IN_FLIGHT) {
          dropped++;
          continue;
        }
        const n = next++;
        const replier = repliers[n % repliers.length]!;
        const [article, parentId] =
          name === 'all'
            ? [allArticle, questions[n % questions.length]!.id]
            : [noneArticle, ownComments[n % repliers.length]!.id];
        const body = JSON.stringify({ body: `Reply ${n} (${name})`, parentId });
        inFlight++;
        sent.push(
          client
            .request('POST', `/api/articles/${article}/comments`, replier.token, body)
            .catch(() => ({ status: 0, body: '' }))
            .then((answer) => {
              inFlight--;
              if (answer.status === 201) {
                latencies.push(performance.now() - planned);
                if (name === 'all') allPosted++;
              } else errors++;
            }),
        );
      }
      await Promise.all(sent);
      const elapsed = (performance.now() - began) / 1000;
      const samples = sampler.stop();
      const cpuAfter = cpuSeconds(server.pid);
      const cpu = samples.map((s) => s.serverCpu).filter((v): v is number => v !== null);
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (p: number): number | null =>
        sorted.length
          ? round1(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!)
          : null;
      return {
        name,
        replies: latencies.length,
        errors: errors + dropped,
        meanMs: round1(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
        p50: at(0.5),
        p99: at(0.99),
        perSecond: round1(latencies.length / elapsed),
        serverCpu: cpu.length ? round1(cpu.reduce((a, b) => a + b, 0) / cpu.length) : null,
        cpuMsPerReply:
          cpuBefore !== null && cpuAfter !== null && latencies.length > 0
            ? round1(((cpuAfter - cpuBefore) * 1000) / latencies.length)
            : null,
      };
    };

    await runPhase('none', smoke ? 0.5 : 2); // warm-up
    await runPhase('all', smoke ? 0.5 : 2);
    const phases: Phase[] = [];
    for (const name of ['none', 'all', 'none', 'all'] as const) {
      const phase = await runPhase(name, seconds);
      context.log(
        `${name}: ${phase.replies} replies (${phase.perSecond}/s), mean ${phase.meanMs} ms, ` +
          `p50 ${phase.p50} ms, p99 ${phase.p99} ms, server CPU ${phase.serverCpu}% ` +
          `(${phase.cpuMsPerReply} ms per reply), errors ${phase.errors}`,
      );
      phases.push(phase);
    }
    const of = (name: Phase['name']) => phases.filter((p) => p.name === name);
    const mean = (list: Phase[], pick: (p: Phase) => number | null): number | null => {
      const got = list.map(pick).filter((v): v is number => v !== null);
      return got.length ? round1(got.reduce((a, b) => a + b, 0) / got.length) : null;
    };

    // everything the "all" replies set off arrives once the queue drains
    const problems: string[] = [];
    const errors = phases.reduce((sum, p) => sum + p.errors, 0);
    if (errors > 0) problems.push(`${errors} replies failed`);
    const drainStarted = performance.now();
    try {
      await until(
        'every webhook delivery arrived',
        () => hooks.received.length >= questions.length + allPosted,
        120_000,
        50,
      );
      await until(
        'every notification mailed',
        async () =>
          (
            await query<{ waiting: number }>(
              server.database.url,
              `SELECT count(*)::int AS waiting FROM notifications n
                 LEFT JOIN mail_digests d ON d.id = n.mail_digest_id
                WHERE n.mail_via = 'immediate' AND d.sent_at IS NULL`,
            )
          )[0]!.waiting === 0,
        120_000,
        50,
      );
    } catch (error) {
      problems.push((error as Error).message);
    }
    const [stored] = await query<{ notifications: number; mails: number }>(
      server.database.url,
      `SELECT (SELECT count(*)::int FROM notifications WHERE type = 'reply') AS notifications,
              (SELECT count(*)::int FROM mail_digests WHERE sent_at IS NOT NULL) AS mails`,
    );
    const drainSeconds = round1((performance.now() - drainStarted) / 1000);
    if (stored!.notifications !== allPosted) {
      problems.push(
        `${allPosted} notifying replies posted, ${stored!.notifications} notifications`,
      );
    }
    // the questions posted while setting up were comment.created too
    if (hooks.received.length !== questions.length + allPosted) {
      problems.push(
        `${questions.length + allPosted} comments on the hooked site, ` +
          `${hooks.received.length} webhook deliveries`,
      );
    }
    context.log(
      `after the phases: ${drainSeconds} s to drain; ${stored!.notifications} reply notifications, ` +
        `${stored!.mails} mails sent (SMTP sink got ${smtp.count()}), ` +
        `${hooks.received.length} webhook deliveries`,
    );
    const none = mean(of('none'), (p) => p.meanMs);
    const all = mean(of('all'), (p) => p.meanMs);
    const costRatio = ratio(all, none);
    const rows: BenchRow[] = [
      {
        scenario: 'reply-cost',
        metric: `POST reply mean latency (ms) at ${rate}/s, notification + mail + webhook`,
        townhall: all,
        baseline: none,
        baselineName: 'reply setting off nothing',
        ratio: costRatio,
        target: '≤ 1.2× baseline',
        met: smoke || costRatio === null ? null : costRatio <= 1.2,
      },
      {
        scenario: 'reply-cost',
        metric: 'POST reply p99 (ms), notification + mail + webhook',
        townhall: mean(of('all'), (p) => p.p99),
        baseline: mean(of('none'), (p) => p.p99),
        baselineName: 'reply setting off nothing',
        ratio: ratio(
          mean(of('all'), (p) => p.p99),
          mean(of('none'), (p) => p.p99),
        ),
        target: '',
        met: null,
      },
      {
        scenario: 'reply-cost',
        metric: 'server CPU per reply (ms), workers included',
        townhall: mean(of('all'), (p) => p.cpuMsPerReply),
        baseline: mean(of('none'), (p) => p.cpuMsPerReply),
        baselineName: 'reply setting off nothing',
        ratio: ratio(
          mean(of('all'), (p) => p.cpuMsPerReply),
          mean(of('none'), (p) => p.cpuMsPerReply),
        ),
        target: '',
        met: null,
      },
    ];
    return {
      rows,
      details: {
        rate,
        connections,
        seconds,
        recipients: recipients.length,
        phases,
        drainSeconds,
        replyNotifications: stored!.notifications,
        mailsSent: stored!.mails,
        smtpReceived: smtp.count(),
        webhookDeliveries: hooks.received.length,
        notifyingReplies: allPosted,
      },
      problems,
    };
  },
};

export const webhookDrain: Scenario = {
  name: 'webhook-drain',
  summary: 'a backlog of 10,000 webhook deliveries drained to a local receiver (per second)',
  options: DRAIN_OPTIONS,
  usage: DRAIN_USAGE,
  async run(context) {
    const { values, smoke } = context;
    const count = intFlag(values, 'deliveries', smoke ? 300 : 10_000, 1, 1_000_000);
    const hooks = await receiver();
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true' };
    const first = await startBenchServer({ env });
    const admin = await login(first.base, ADMIN.username, ADMIN.password);
    const siteId = await newSite(first.base, admin, 'Backlog publisher');
    const hook = await api<{ secret: string }>(
      first.base,
      'POST',
      `/api/sites/${siteId}/webhooks`,
      {
        token: admin.token,
        body: { url: `${hooks.url}/hook`, events: ['comment.created'] },
        expect: 201,
      },
    );
    const articleId = await siteArticle(first.base, admin, siteId, 'backlog');
    await first.server.stop('SIGTERM');

    // the backlog: comments written while no server runs; the triggers fill the outbox
    await query(
      first.database.url,
      `INSERT INTO comments (id, article_id, author_id, body, status)
       SELECT gen_random_uuid(), $1, $2, 'Backlog comment ' || i, 'visible'
         FROM generate_series(1, $3) AS i`,
      [articleId, admin.id, count],
    );
    const [outbox] = await query<{ n: number }>(
      first.database.url,
      'SELECT count(*)::int AS n FROM activity_outbox',
    );
    context.log(`${outbox!.n} changes in the outbox; starting the server`);

    const started = performance.now();
    const second = await startBenchServer({ database: first.database, env });
    const ready = performance.now();
    // the drainer starts during the boot: what arrived before the server answered is counted too
    const atReady = hooks.received.length;
    context.log(
      `server pid ${second.pid} ready in ${Math.round(ready - started)} ms (${atReady} delivered by then)`,
    );
    const sampler = startSampler(second.pid);
    let allQueuedAt: number | null = null;
    const problems: string[] = [];
    try {
      await until(
        `${count} deliveries arrived`,
        async () => {
          if (allQueuedAt === null) {
            const [row] = await query<{ n: number }>(
              second.database.url,
              'SELECT count(*)::int AS n FROM webhook_deliveries',
            );
            if (row!.n >= count) allQueuedAt = performance.now();
          }
          return hooks.received.length >= count;
        },
        DRAIN_TIMEOUT_MS,
        50,
      );
    } catch (error) {
      problems.push((error as Error).message);
    }
    const done = performance.now();
    const samples = sampler.stop();
    const cpu = samples.map((s) => s.serverCpu).filter((v): v is number => v !== null);
    const ids = new Set(hooks.received.map((h) => h.headers['webhook-id']));
    if (ids.size !== hooks.received.length) {
      problems.push(`${hooks.received.length - ids.size} deliveries arrived twice`);
    }
    const [log] = await query<{ delivered: number }>(
      second.database.url,
      `SELECT count(*)::int AS delivered FROM webhook_deliveries WHERE status = 'delivered'`,
    );
    const seconds = (done - ready) / 1000;
    const rate = round1(hooks.received.length / seconds);
    context.log(
      `${hooks.received.length} received in ${round1(seconds)} s after the start (${rate}/s); ` +
        `every delivery made by the drainer after ${allQueuedAt === null ? '-' : round1((allQueuedAt - ready) / 1000)} s; ` +
        `${log!.delivered} logged delivered; server CPU ${cpu.length ? round1(cpu.reduce((a, b) => a + b, 0) / cpu.length) : '-'}%`,
    );

    // the baseline: the same number of signed POSTs to the same receiver, 50 at a time
    const before = hooks.received.length;
    const key = Buffer.from(hook.secret.replace(/^whsec_/, ''), 'base64');
    const body = JSON.stringify({
      type: 'comment.created',
      timestamp: new Date().toISOString(),
      data: {},
    });
    const bareStarted = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: WORKER_BATCH }, async () => {
        while (sent < count) {
          sent++;
          const id = randomUUID();
          const timestamp = Math.floor(Date.now() / 1000);
          const signature = createHmac('sha256', key)
            .update(`${id}.${timestamp}.${body}`)
            .digest('base64');
          const response = await fetch(`${hooks.url}/hook`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': `v1,${signature}`,
            },
            body,
          });
          await response.arrayBuffer();
        }
      }),
    );
    const bareRate = round1(
      (hooks.received.length - before) / ((performance.now() - bareStarted) / 1000),
    );
    context.log(`bare client: ${hooks.received.length - before} POSTs at ${bareRate}/s`);
    return {
      rows: [
        {
          scenario: 'webhook-drain',
          metric: `deliveries/s, backlog of ${count}`,
          townhall: rate,
          baseline: bareRate,
          baselineName: 'bare fetch, 50 in flight',
          ratio: ratio(rate, bareRate),
          target: '≥ 200/s',
          met: smoke ? null : rate >= 200,
        },
      ],
      details: {
        count,
        received: before,
        delivered: log!.delivered,
        seconds: round1(seconds),
        deliveriesMadeAfterSeconds:
          allQueuedAt === null ? null : round1((allQueuedAt - ready) / 1000),
        serverStartMs: Math.round(ready - started),
        receivedBeforeReady: atReady,
        serverCpu: cpu,
        bareRate,
      },
      problems,
    };
  },
};
