/**
 * Every environment variable, read and checked once at start (over 250 lines: one line per
 * variable of README's configuration table, kept together so the table and the code match).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseTrustProxy, type TrustProxySetting } from '../common/net/client-address';
import { type Env, EnvReader, type RateLimitRule } from './env-reader';

export type { Env, RateLimitRule };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type NodeEnv = 'development' | 'production' | 'test';

/** The rate-limited actions and their defaults: `limit` requests per `ttlMs`. */
export const RATE_LIMIT_DEFAULTS = {
  'login-ip': { limit: 10, ttlMs: 60_000 },
  /** Per username from one client address: a guesser elsewhere does not lock the owner out. */
  'login-user': { limit: 10, ttlMs: 60_000 },
  /** Per username from all addresses together: the ceiling against guessing from many. */
  'login-user-total': { limit: 100, ttlMs: 60_000 },
  register: { limit: 10, ttlMs: 3_600_000 },
  comments: { limit: 10, ttlMs: 60_000 },
  votes: { limit: 120, ttlMs: 60_000 },
  reports: { limit: 20, ttlMs: 60_000 },
  /** Articles the embed creates (autoCreateArticles) per client IP. */
  'embed-create': { limit: 30, ttlMs: 3_600_000 },
} as const;
export type RateLimitName = keyof typeof RATE_LIMIT_DEFAULTS;

/** Limits of Socket.IO connections (API.md "Limits per connection"). */
export interface SocketLimits {
  /** Client events per connection: a token bucket refilled at `eventRate`, holding `eventBurst`. */
  eventRate: RateLimitRule;
  eventBurst: number;
  /** Live connections per remote address; 0: unlimited. */
  maxConnectionsPerIp: number;
  /** A connection with more output queued than either of these is closed (a slow consumer). */
  maxBufferedBytes: number;
  maxBufferedPackets: number;
}

/** Bytes of replays (acks with `missed`) on their way to clients; see ReplayBudget. */
export interface ReplayBudgetLimits {
  /** bytes in flight */
  perSocket: number;
  perAddress: number;
  perInstance: number;
  /** bytes per second; 0: no limit */
  ratePerAddress: number;
  ratePerInstance: number;
}

/**
 * Who may read `GET /metrics`: anyone (`open`), a scraper sending `Authorization: Bearer
 * <token>` (`token`), or no one: it answers 404 as if it did not exist (`closed`).
 */
export type MetricsAccess =
  { kind: 'open' } | { kind: 'token'; token: string } | { kind: 'closed' };

export const RELAY_CHANNELS = ['article', 'global'] as const;
export type RelayChannels = (typeof RELAY_CHANNELS)[number];

/** Typed, validated configuration: built once at start from the environment. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  /** null: the embedded PostgreSQL in `dataDir` is used. */
  databaseUrl: string | null;
  /**
   * A direct connection (not through a transaction-pooling PgBouncer) for the migrations and
   * their session advisory lock; null: DATABASE_URL is direct.
   */
  databaseDirectUrl: string | null;
  /** null: single process, in-memory fan-out. With REDIS_CLUSTER, the first seed node. */
  redisUrl: string | null;
  /** REDIS_CLUSTER=true: REDIS_URL lists seed nodes of a Redis Cluster; null: one server. */
  redisClusterNodes: string[] | null;
  /**
   * How the relay carries events between instances: `article` (the default) gives each
   * article its own sharded channel (SPUBLISH/SSUBSCRIBE, Redis 7+), so an instance only
   * parses the events of articles it serves; `global` is one channel for everything.
   */
  relayChannels: RelayChannels;
  dataDir: string;
  jwtSecret: string;
  admin: { username: string; password: string } | null;
  seedDemo: boolean;
  /** Origins allowed besides the server's own; `'*'` allows any. */
  corsOrigins: '*' | string[];
  rateLimits: boolean;
  /** From RATE_LIMIT_LOGIN_IP, RATE_LIMIT_LOGIN_USER, RATE_LIMIT_REGISTER, … as `N/60s`. */
  rateLimitRules: Record<RateLimitName, RateLimitRule>;
  /** The event rate limit is off with RATE_LIMITS=off; the others always apply. */
  socketLimits: SocketLimits;
  /** Proxies whose `X-Forwarded-For` names the client (rate limits, per-address socket caps). */
  trustProxy: TrustProxySetting;
  replayBudget: ReplayBudgetLimits;
  tallyIntervalMs: number;
  /** Votes waiting for their transaction per instance; past it: 503 with Retry-After. */
  voteQueueLimit: number;
  /** How long GET /api/sites/:id/counts answers are reused (0: never); see CountsCache. */
  countsCacheMs: number;
  logLevel: LogLevel;
  metricsAccess: MetricsAccess;
  /** The server's public origin (no trailing slash): in embed.js, e-mail links and feeds. */
  publicUrl: string;
  /** `true`: webhooks and JWKS URLs may use http: and loopback/private addresses. */
  allowPrivateUrls: boolean;
  /** First retry delay of a failed webhook delivery; each later one doubles. */
  webhookRetryBaseMs: number;
  /** null: mails are logged (and listed at /dev/mail outside production), not sent. */
  smtpUrl: string | null;
  mailFrom: string;
  /**
   * `immediate` mails: the notifications of one user within this window become one mail, sent
   * when it closes (55 s, so each is mailed within a minute; tests shorten it).
   */
  mailBatchMs: number;
  /** `daily` digests are sent at this hour, UTC. */
  mailDigestHour: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const USERNAME = /^[A-Za-z0-9_]{3,32}$/;
const JWT_SECRET_MIN_LENGTH = 32;
const METRICS_TOKEN = /^[\x21-\x7e]{16,256}$/;

/**
 * Reads and validates every variable of the contract. All problems are reported at once,
 * each naming its variable. The dev JWT secret is generated once and kept in DATA_DIR.
 */
export async function loadConfig(env: Env): Promise<AppConfig> {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const port = read.integer('PORT', 3000, 0, 65535);
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseDirectUrl = read.url('DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']);
  if (databaseDirectUrl !== null && databaseUrl === null) {
    problems.push('DATABASE_DIRECT_URL needs DATABASE_URL (the embedded PostgreSQL is direct)');
  }
  const redisCluster = read.boolean('REDIS_CLUSTER', false);
  const redisClusterNodes = redisCluster ? read.urls('REDIS_URL', ['redis:', 'rediss:']) : null;
  const redisUrl = redisCluster
    ? (redisClusterNodes?.[0] ?? null)
    : read.url('REDIS_URL', ['redis:', 'rediss:']);
  if (redisCluster && read.string('REDIS_URL') === undefined) {
    problems.push('REDIS_CLUSTER=true needs REDIS_URL (the seed nodes, comma-separated)');
  }
  const relayChannels = read.oneOf('REDIS_CHANNELS', RELAY_CHANNELS, 'article');
  const dataDir = resolve(read.string('DATA_DIR') ?? './.data');
  const adminUsername = read.string('ADMIN_USERNAME');
  const adminPassword = read.string('ADMIN_PASSWORD');
  const seedDemo = read.boolean('SEED_DEMO', databaseUrl === null);
  const corsOrigins = read.origins('CORS_ORIGINS', nodeEnv === 'production' ? [] : '*');
  const rateLimits = read.onOff('RATE_LIMITS', true);
  const rateLimitRules = Object.fromEntries(
    Object.entries(RATE_LIMIT_DEFAULTS).map(([name, rule]) => [
      name,
      read.rate(`RATE_LIMIT_${name.replaceAll('-', '_').toUpperCase()}`, rule),
    ]),
  ) as Record<RateLimitName, RateLimitRule>;
  const trustProxyRaw = read.string('TRUST_PROXY');
  const trustProxyParsed = trustProxyRaw === undefined ? null : parseTrustProxy(trustProxyRaw);
  if (typeof trustProxyParsed === 'string') {
    problems.push(`TRUST_PROXY ${trustProxyParsed} (got "${trustProxyRaw}")`);
  }
  const trustProxy = typeof trustProxyParsed === 'string' ? null : trustProxyParsed;
  const socketLimits: SocketLimits = {
    eventRate: read.rate('SOCKET_EVENT_RATE', { limit: 20, ttlMs: 1_000 }),
    eventBurst: read.integer('SOCKET_EVENT_BURST', 50, 1, 100_000),
    maxConnectionsPerIp: read.integer('SOCKET_MAX_CONNECTIONS_PER_IP', 200, 0, 1_000_000),
    maxBufferedBytes: read.integer('SOCKET_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 2 ** 30),
    maxBufferedPackets: read.integer('SOCKET_MAX_BUFFERED_PACKETS', 5_000, 1, 1_000_000),
  };
  const MiB = 1024 * 1024;
  const replayBudget: ReplayBudgetLimits = {
    perSocket: read.integer('SOCKET_REPLAY_BYTES', 2 * MiB, 1024, 2 ** 30),
    perAddress: read.integer('SOCKET_REPLAY_BYTES_PER_IP', 8 * MiB, 1024, 2 ** 32),
    perInstance: read.integer('SOCKET_REPLAY_BYTES_TOTAL', 64 * MiB, 1024, 2 ** 34),
    // 0: off (the default); behind a proxy every reader has the proxy's address
    ratePerAddress: read.integer('SOCKET_REPLAY_RATE_PER_IP', 0, 0, 2 ** 34),
    ratePerInstance: read.integer('SOCKET_REPLAY_RATE_TOTAL', 0, 0, 2 ** 36),
  };
  const tallyIntervalMs = read.integer('TALLY_INTERVAL_MS', 100, 10, 60_000);
  const voteQueueLimit = read.integer('VOTE_QUEUE_LIMIT', 10_000, 1, 1_000_000);
  const countsCacheMs = read.integer('COUNTS_CACHE_MS', 1_000, 0, 30_000);
  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  const publicUrl = read.origin('PUBLIC_URL') ?? `http://localhost:${port}`;
  const allowPrivateUrls = read.boolean('WEBHOOK_ALLOW_PRIVATE', false);
  const webhookRetryBaseMs = read.integer('WEBHOOK_RETRY_BASE_MS', 5_000, 1, 3_600_000);
  const smtpUrl = read.url('SMTP_URL', ['smtp:', 'smtps:']);
  const mailFrom = read.string('MAIL_FROM') ?? 'Townhall <no-reply@localhost>';
  const mailBatchMs = read.integer('MAIL_BATCH_MS', 55_000, 100, 3_600_000);
  const mailDigestHour = read.integer('MAIL_DIGEST_HOUR', 7, 0, 23);
  const metricsToken = read.string('METRICS_TOKEN');
  const metricsPublicGiven = read.string('METRICS_PUBLIC') !== undefined;
  // production keeps its metrics to itself unless told otherwise: no open /metrics by accident
  const metricsPublic = read.boolean('METRICS_PUBLIC', nodeEnv !== 'production');
  let jwtSecret = read.string('JWT_SECRET');

  if (jwtSecret !== undefined && jwtSecret.length < JWT_SECRET_MIN_LENGTH) {
    problems.push(`JWT_SECRET must be at least ${JWT_SECRET_MIN_LENGTH} characters long`);
  }
  if (jwtSecret === undefined && nodeEnv === 'production') {
    problems.push('JWT_SECRET is required when NODE_ENV=production');
  }
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  if (adminUsername !== undefined && !USERNAME.test(adminUsername)) {
    problems.push('ADMIN_USERNAME must be 3-32 characters of A-Z, a-z, 0-9 and _');
  }
  if (adminPassword !== undefined && (adminPassword.length < 8 || adminPassword.length > 128)) {
    problems.push('ADMIN_PASSWORD must be 8-128 characters long');
  }
  if (metricsToken !== undefined && !METRICS_TOKEN.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be 16-256 printable characters without spaces');
  }
  if (metricsToken !== undefined && metricsPublicGiven && metricsPublic) {
    problems.push('METRICS_PUBLIC=true and METRICS_TOKEN contradict each other: set one of them');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  jwtSecret ??= await devJwtSecret(dataDir);
  return {
    nodeEnv,
    port,
    databaseUrl,
    databaseDirectUrl,
    redisUrl,
    redisClusterNodes,
    relayChannels,
    dataDir,
    jwtSecret,
    admin:
      adminUsername && adminPassword ? { username: adminUsername, password: adminPassword } : null,
    seedDemo,
    corsOrigins,
    rateLimits,
    rateLimitRules,
    socketLimits,
    trustProxy,
    replayBudget,
    tallyIntervalMs,
    voteQueueLimit,
    countsCacheMs,
    logLevel,
    metricsAccess: metricsToken
      ? { kind: 'token', token: metricsToken }
      : { kind: metricsPublic ? 'open' : 'closed' },
    publicUrl,
    allowPrivateUrls,
    webhookRetryBaseMs,
    smtpUrl,
    mailFrom,
    mailBatchMs,
    mailDigestHour,
  };
}

async function devJwtSecret(dataDir: string): Promise<string> {
  try {
    return await readOrCreateSecret(join(dataDir, 'jwt-secret'), dataDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !['EACCES', 'EPERM', 'EROFS', 'ENOTDIR'].includes(code)) throw error;
    throw new ConfigError([
      `DATA_DIR ${dataDir} cannot be used (${code}): set DATA_DIR to a directory you may write`,
    ]);
  }
}

async function readOrCreateSecret(file: string, dataDir: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= JWT_SECRET_MIN_LENGTH) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
