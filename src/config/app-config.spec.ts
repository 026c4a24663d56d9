import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, type Env, loadConfig } from './app-config';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** The ConfigError loadConfig rejects with (fails the test when it resolves instead). */
async function configError(env: Env): Promise<ConfigError> {
  const error: unknown = await loadConfig(env).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'townhall-config-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  describe('defaults', () => {
    it('gives the documented defaults for an empty environment', async () => {
      // JWT_SECRET only so that nothing is written into ./.data
      const config = await loadConfig({ JWT_SECRET: SECRET });

      expect(config).toMatchObject({
        nodeEnv: 'development',
        port: 3000,
        databaseUrl: null,
        redisUrl: null,
        dataDir: resolve('./.data'),
        jwtSecret: SECRET,
        admin: null,
        seedDemo: true,
        corsOrigins: '*',
        rateLimits: true,
        socketLimits: {
          eventRate: { limit: 20, ttlMs: 1_000 },
          eventBurst: 50,
          maxConnectionsPerIp: 200,
          maxBufferedBytes: 1024 * 1024,
          maxBufferedPackets: 5_000,
        },
        tallyIntervalMs: 100,
        voteQueueLimit: 10_000,
        countsCacheMs: 1_000,
        logLevel: 'info',
        metricsAccess: { kind: 'open' },
        publicUrl: 'http://localhost:3000',
        allowPrivateUrls: false,
        webhookRetryBaseMs: 5000,
        smtpUrl: null,
        mailFrom: 'Townhall <no-reply@localhost>',
        mailBatchMs: 55_000,
        mailDigestHour: 7,
      });
    });

    it('seeds the demo only on the embedded database', async () => {
      const embedded = await loadConfig({ DATA_DIR: dataDir });
      const external = await loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: 'postgres://user:pass@db.example:5432/townhall',
      });

      expect(embedded.seedDemo).toBe(true);
      expect(external.seedDemo).toBe(false);
      expect(external.databaseUrl).toBe('postgres://user:pass@db.example:5432/townhall');
    });

    it('allows every origin in development and test, and none besides its own in production', async () => {
      const development = await loadConfig({ DATA_DIR: dataDir });
      const test = await loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test' });
      const production = await loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET });

      expect(development.corsOrigins).toBe('*');
      expect(test.corsOrigins).toBe('*');
      expect(production.corsOrigins).toEqual([]);
      expect(production.nodeEnv).toBe('production');
    });

    it('treats blank values as unset', async () => {
      const config = await loadConfig({
        DATA_DIR: dataDir,
        PORT: '  ',
        LOG_LEVEL: '',
        REDIS_URL: ' ',
        SEED_DEMO: '',
      });

      expect(config).toMatchObject({
        port: 3000,
        logLevel: 'info',
        redisUrl: null,
        seedDemo: true,
      });
    });
  });

  describe('metrics access', () => {
    const TOKEN = 'scrape-token-0123456789';

    it('is open in development and test, closed (404) in production', async () => {
      const development = await loadConfig({ DATA_DIR: dataDir });
      const test = await loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test' });
      const production = await loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET });

      expect(development.metricsAccess).toEqual({ kind: 'open' });
      expect(test.metricsAccess).toEqual({ kind: 'open' });
      expect(production.metricsAccess).toEqual({ kind: 'closed' });
    });

    it('opens production only with METRICS_PUBLIC=true, and closes development with false', async () => {
      const production = await loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: SECRET,
        METRICS_PUBLIC: 'true',
      });
      const development = await loadConfig({ DATA_DIR: dataDir, METRICS_PUBLIC: 'false' });

      expect(production.metricsAccess).toEqual({ kind: 'open' });
      expect(development.metricsAccess).toEqual({ kind: 'closed' });
    });

    it('requires METRICS_TOKEN as a bearer token when it is set, in any environment', async () => {
      const development = await loadConfig({ DATA_DIR: dataDir, METRICS_TOKEN: TOKEN });
      const production = await loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: SECRET,
        METRICS_TOKEN: ` ${TOKEN} `,
        METRICS_PUBLIC: 'false',
      });

      expect(development.metricsAccess).toEqual({ kind: 'token', token: TOKEN });
      expect(production.metricsAccess).toEqual({ kind: 'token', token: TOKEN });
    });

    it('refuses METRICS_PUBLIC=true beside METRICS_TOKEN, without echoing the token', async () => {
      const error = await configError({
        DATA_DIR: dataDir,
        METRICS_TOKEN: TOKEN,
        METRICS_PUBLIC: 'true',
      });

      expect(error.problems).toEqual([
        expect.stringMatching(/METRICS_PUBLIC=true and METRICS_TOKEN contradict/),
      ]);
      expect(error.message).not.toContain(TOKEN);
    });
  });

  describe('valid values', () => {
    it('reads every variable of the contract', async () => {
      const config = await loadConfig({
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/th',
        REDIS_URL: 'redis://127.0.0.1:6379',
        DATA_DIR: dataDir,
        JWT_SECRET: SECRET,
        ADMIN_USERNAME: 'chief_editor',
        ADMIN_PASSWORD: 'a-long-password',
        SEED_DEMO: 'yes',
        CORS_ORIGINS: 'https://a.example, https://b.example:8443',
        RATE_LIMITS: 'off',
        TALLY_INTERVAL_MS: '250',
        LOG_LEVEL: 'debug',
        PUBLIC_URL: 'https://comments.example.com/',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '250',
        MAIL_BATCH_MS: '1500',
        MAIL_DIGEST_HOUR: '18',
      });

      expect(config).toMatchObject({
        nodeEnv: 'production',
        port: 8080,
        databaseUrl: 'postgresql://u:p@127.0.0.1:5432/th',
        redisUrl: 'redis://127.0.0.1:6379',
        dataDir,
        jwtSecret: SECRET,
        admin: { username: 'chief_editor', password: 'a-long-password' },
        seedDemo: true,
        corsOrigins: ['https://a.example', 'https://b.example:8443'],
        rateLimits: false,
        tallyIntervalMs: 250,
        logLevel: 'debug',
        publicUrl: 'https://comments.example.com',
        allowPrivateUrls: true,
        webhookRetryBaseMs: 250,
        mailBatchMs: 1500,
        mailDigestHour: 18,
      });
    });

    it('reads TRUST_PROXY as addresses and ranges, or as a number of hops', async () => {
      const listed = await loadConfig({
        JWT_SECRET: SECRET,
        TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::1',
      });
      expect(listed.trustProxy).toEqual({ addresses: ['loopback', '10.0.0.0/8', 'fd00::1'] });
      expect((await loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: '2' })).trustProxy).toEqual({
        hops: 2,
      });
      expect((await loadConfig({ JWT_SECRET: SECRET })).trustProxy).toBeNull();
    });

    it('reads DATABASE_DIRECT_URL beside DATABASE_URL', async () => {
      const config = await loadConfig({
        JWT_SECRET: SECRET,
        DATABASE_URL: 'postgres://u@127.0.0.1:6432/th',
        DATABASE_DIRECT_URL: 'postgres://u@127.0.0.1:5432/th',
      });
      expect(config.databaseDirectUrl).toBe('postgres://u@127.0.0.1:5432/th');
    });

    it('reads SEED_DEMO=false, RATE_LIMITS=on and a `*` among CORS_ORIGINS', async () => {
      const config = await loadConfig({
        DATA_DIR: dataDir,
        SEED_DEMO: 'FALSE',
        RATE_LIMITS: 'on',
        CORS_ORIGINS: 'https://a.example,*',
      });

      expect(config).toMatchObject({ seedDemo: false, rateLimits: true, corsOrigins: '*' });
    });
  });

  describe('Redis Cluster and relay channels', () => {
    it('reads REDIS_URL as one server, with per-article channels, by default', async () => {
      const config = await loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: dataDir });
      expect(config).toMatchObject({
        redisUrl: 'redis://127.0.0.1:6379',
        redisClusterNodes: null,
        relayChannels: 'article',
      });
    });

    it('reads REDIS_URL as the seed nodes of a cluster with REDIS_CLUSTER=true', async () => {
      const config = await loadConfig({
        REDIS_CLUSTER: 'true',
        REDIS_URL: 'redis://10.0.0.1:7000, redis://10.0.0.2:7001,redis://10.0.0.3:7002',
        REDIS_CHANNELS: 'global',
        DATA_DIR: dataDir,
      });
      expect(config).toMatchObject({
        redisUrl: 'redis://10.0.0.1:7000',
        redisClusterNodes: [
          'redis://10.0.0.1:7000',
          'redis://10.0.0.2:7001',
          'redis://10.0.0.3:7002',
        ],
        relayChannels: 'global',
      });
    });
  });

  describe('invalid values', () => {
    it.each([
      ['PORT', { PORT: 'abc' }],
      ['PORT', { PORT: '70000' }],
      ['PORT', { PORT: '-1' }],
      ['PORT', { PORT: '80.5' }],
      ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
      ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
      ['REDIS_URL', { REDIS_URL: 'nonsense' }],
      ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
      ['REDIS_URL', { REDIS_URL: 'redis://a:7000,redis://b:7001' }],
      ['REDIS_URL', { REDIS_CLUSTER: 'true', REDIS_URL: 'redis://a:7000,nonsense' }],
      ['REDIS_URL', { REDIS_CLUSTER: 'true' }],
      ['REDIS_CLUSTER', { REDIS_CLUSTER: 'sometimes' }],
      ['REDIS_CHANNELS', { REDIS_CHANNELS: 'sharded' }],
      ['SEED_DEMO', { SEED_DEMO: 'maybe' }],
      ['RATE_LIMITS', { RATE_LIMITS: 'maybe' }],
      ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
      ['TALLY_INTERVAL_MS', { TALLY_INTERVAL_MS: '-1' }],
      ['TALLY_INTERVAL_MS', { TALLY_INTERVAL_MS: 'fast' }],
      ['SOCKET_EVENT_RATE', { SOCKET_EVENT_RATE: '20' }],
      ['SOCKET_EVENT_BURST', { SOCKET_EVENT_BURST: '0' }],
      ['SOCKET_MAX_CONNECTIONS_PER_IP', { SOCKET_MAX_CONNECTIONS_PER_IP: '-1' }],
      ['SOCKET_MAX_BUFFERED_BYTES', { SOCKET_MAX_BUFFERED_BYTES: '1MiB' }],
      ['SOCKET_MAX_BUFFERED_PACKETS', { SOCKET_MAX_BUFFERED_PACKETS: '0' }],
      ['CORS_ORIGINS', { CORS_ORIGINS: 'not-a-url' }],
      ['CORS_ORIGINS', { CORS_ORIGINS: 'https://a.example/path' }],
      ['CORS_ORIGINS', { CORS_ORIGINS: 'ftp://a.example' }],
      ['NODE_ENV', { NODE_ENV: 'staging' }],
      ['PUBLIC_URL', { PUBLIC_URL: 'comments.example.com' }],
      ['PUBLIC_URL', { PUBLIC_URL: 'https://comments.example.com/embed' }],
      ['PUBLIC_URL', { PUBLIC_URL: 'ftp://comments.example.com' }],
      ['WEBHOOK_ALLOW_PRIVATE', { WEBHOOK_ALLOW_PRIVATE: 'sometimes' }],
      ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
      ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'chief_editor' }],
      ['ADMIN_USERNAME', { ADMIN_PASSWORD: 'a-long-password' }],
      ['ADMIN_USERNAME', { ADMIN_USERNAME: 'no spaces!', ADMIN_PASSWORD: 'a-long-password' }],
      ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'chief_editor', ADMIN_PASSWORD: 'short' }],
      ['METRICS_TOKEN', { METRICS_TOKEN: 'short-token' }],
      ['METRICS_TOKEN', { METRICS_TOKEN: 'a token with spaces in it' }],
      ['METRICS_PUBLIC', { METRICS_PUBLIC: 'sometimes' }],
      ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
      ['TRUST_PROXY', { TRUST_PROXY: '0' }],
      ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
      ['TRUST_PROXY', { TRUST_PROXY: 'loopback, proxy.example' }],
      ['DATABASE_DIRECT_URL', { DATABASE_DIRECT_URL: 'postgres://u@127.0.0.1/th' }],
      [
        'DATABASE_DIRECT_URL',
        { DATABASE_URL: 'postgres://u@127.0.0.1:6432/th', DATABASE_DIRECT_URL: 'nonsense' },
      ],
    ])('rejects a bad %s with a ConfigError naming it (%j)', async (variable, env) => {
      const error = await configError({ DATA_DIR: dataDir, ...env });

      expect(error.message).toContain(variable);
      expect(error.problems).toEqual([expect.stringContaining(variable)]);
    });

    it('reports every problem at once', async () => {
      const error = await configError({
        DATA_DIR: dataDir,
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        RATE_LIMITS: 'maybe',
      });

      expect(error.problems).toHaveLength(3);
      for (const variable of ['PORT', 'LOG_LEVEL', 'RATE_LIMITS']) {
        expect(error.message).toContain(variable);
      }
    });

    it('does not echo secrets it rejects', async () => {
      const error = await configError({ DATA_DIR: dataDir, JWT_SECRET: 'hunter2-secret' });
      expect(error.message).not.toContain('hunter2-secret');
      const metrics = await configError({ DATA_DIR: dataDir, METRICS_TOKEN: 'hunter2 token' });
      expect(metrics.message).not.toContain('hunter2');
    });

    it('requires JWT_SECRET in production, and writes no secret file', async () => {
      const error = await configError({ NODE_ENV: 'production', DATA_DIR: dataDir });

      expect(error.message).toContain('JWT_SECRET');
      await expect(stat(join(dataDir, 'jwt-secret'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('development JWT secret', () => {
    it('is generated into DATA_DIR/jwt-secret and reused on the next start', async () => {
      const first = await loadConfig({ DATA_DIR: dataDir });
      const stored = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();
      const second = await loadConfig({ DATA_DIR: dataDir });

      expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(stored).toBe(first.jwtSecret);
      expect(second.jwtSecret).toBe(first.jwtSecret);
      expect((await stat(join(dataDir, 'jwt-secret'))).mode & 0o077).toBe(0);
    });

    it('differs between data directories', async () => {
      const otherDir = await mkdtemp(join(tmpdir(), 'townhall-config-'));
      try {
        const first = await loadConfig({ DATA_DIR: dataDir });
        const other = await loadConfig({ DATA_DIR: otherDir });
        expect(other.jwtSecret).not.toBe(first.jwtSecret);
      } finally {
        await rm(otherDir, { recursive: true, force: true });
      }
    });

    it('creates DATA_DIR when it does not exist yet', async () => {
      const nested = join(dataDir, 'a', 'b');
      const config = await loadConfig({ DATA_DIR: nested });
      expect((await readFile(join(nested, 'jwt-secret'), 'utf8')).trim()).toBe(config.jwtSecret);
    });

    it('replaces a stored secret that is too short', async () => {
      await writeFile(join(dataDir, 'jwt-secret'), 'short\n');
      const config = await loadConfig({ DATA_DIR: dataDir });
      expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect((await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim()).toBe(config.jwtSecret);
    });

    it('is not used when JWT_SECRET is set', async () => {
      const config = await loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET });
      expect(config.jwtSecret).toBe(SECRET);
      await expect(stat(join(dataDir, 'jwt-secret'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
