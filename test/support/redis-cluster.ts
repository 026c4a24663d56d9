import { execFile, type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/database/process-utils';
import { findRedisServer } from './redis-server';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 20_000;
const SHARDS = 3;

/** A Redis Cluster of three masters (no replicas) owned by one test file. */
export interface RedisCluster {
  /** The seed nodes, comma-separated, as REDIS_URL takes them with REDIS_CLUSTER=true. */
  readonly url: string;
  readonly ports: number[];
  /** Stops every node (SIGTERM, waits), keeping their cluster config. */
  stop(): Promise<void>;
  /** Starts every node again on its port; resolves once the cluster state is ok. */
  start(): Promise<void>;
  /** Everything the nodes wrote so far. */
  output(): string;
}

const alive = new Set<ChildProcess>();
const dirs = new Set<string>();

function redisCli(): string {
  return (findRedisServer() ?? '/usr/bin/redis-server').replace(/redis-server$/, 'redis-cli');
}

async function clusterInfo(port: number): Promise<string> {
  try {
    const { stdout } = await run(redisCli(), ['-p', String(port), 'cluster', 'info']);
    return stdout;
  } catch {
    return '';
  }
}

const delay = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Starts three `redis-server --cluster-enabled yes` processes on free ports (their config in a
 * temporary directory), joins them with `redis-cli --cluster create` and resolves once every
 * node reports `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-redis-cluster-'));
  dirs.add(dir);
  const ports = await Promise.all(Array.from({ length: SHARDS }, () => freePort()));
  const children = new Map<number, ChildProcess>();
  let log = '';

  const spawnNode = (port: number): void => {
    const child = spawn(
      findRedisServer() ?? 'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alive.add(child);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    child.once('close', () => alive.delete(child));
    children.set(port, child);
  };

  const waitOk = async (): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const infos = await Promise.all(ports.map(clusterInfo));
      if (infos.every((info) => info.includes('cluster_state:ok'))) return;
      await delay(100);
    }
    throw new Error(`Redis Cluster on ${ports.join(', ')} not ok in time:\n${log}`);
  };

  const waitAnswering = async (): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const infos = await Promise.all(ports.map(clusterInfo));
      if (infos.every((info) => info.includes('cluster_state'))) return;
      await delay(50);
    }
    throw new Error(`Redis Cluster nodes on ${ports.join(', ')} not answering:\n${log}`);
  };

  const stop = async (): Promise<void> => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    children.clear();
  };

  ports.forEach(spawnNode);
  await waitAnswering();
  await run(redisCli(), [
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  await waitOk();
  return {
    url: ports.map((port) => `redis://127.0.0.1:${port}`).join(','),
    ports,
    stop,
    start: async () => {
      ports.forEach(spawnNode);
      await waitOk();
    },
    output: () => log,
  };
}

/** SIGKILLs every cluster node spawned here (for afterAll) and removes their directories. */
export async function killAllRedisClusters(): Promise<void> {
  await Promise.all(
    [...alive].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('close', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
