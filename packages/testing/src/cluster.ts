// A real Redis Cluster on loopback ports for tests: N masters (and optional replicas),
// every slot assigned, `cluster_state:ok` on every node before it is handed out.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, rawCommand, startRedisServer, type RedisServer } from './redis-server.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Number of masters; default 3. */
  readonly masters?: number;
  /** Replicas per master; default 0. */
  readonly replicasPerMaster?: number;
  /** Extra `redis-server` arguments for every node. */
  readonly args?: readonly string[];
}

/** A cluster started by the harness. */
export interface RedisCluster {
  /** Every node, masters first in creation order. */
  readonly nodes: readonly RedisServer[];
  /** `{ host, port }` of each node, for the clients' cluster constructors. */
  readonly rootNodes: ReadonlyArray<{ host: string; port: number }>;
  /** Stops every node and removes their files. */
  destroy(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function clusterPort(): Promise<number> {
  // The cluster bus listens on port + 10000, so both must be usable.
  for (;;) {
    const port = await freePort();
    if (port < 55_000) return port;
  }
}

function redisCli(args: readonly string[]): Promise<string> {
  const bin = process.env.REDIS_CLI_BIN ?? 'redis-cli';
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', (error) =>
      reject(new Error(`${bin} could not run (apt-get install -y redis-tools): ${error.message}`)),
    );
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} failed: ${out}`)),
    );
  });
}

/**
 * Starts a Redis Cluster on loopback: `masters` nodes with every slot assigned, plus
 * replicas if asked, and waits until each node reports `cluster_state:ok` and agrees on
 * the slot map.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster({ masters: 3 });
 * const client = new Cluster(cluster.rootNodes);
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'tasks-cluster-'));
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await clusterPort();
      const dir = join(root, String(i));
      mkdirSync(dir, { recursive: true });
      nodes.push(
        await startRedisServer({
          port,
          dir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '2000',
            ...(options.args ?? []),
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await redisCli([
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitForClusterOk(
      nodes.map((n) => n.port),
      masters,
    );
    if (replicas > 0)
      await waitForReplicas(
        nodes.map((n) => n.port),
        masters * replicas,
      );
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    rootNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    async destroy() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function waitForClusterOk(ports: readonly number[], masters: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const infos = await Promise.all(ports.map((p) => rawCommand(p, 'CLUSTER INFO')));
    const ok = infos.every(
      (info) =>
        info?.includes('cluster_state:ok') &&
        info.includes(`cluster_size:${masters}`) &&
        info.includes('cluster_slots_assigned:16384'),
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`Redis Cluster on ports ${ports.join(', ')} did not reach cluster_state:ok in 30 s`);
}

/** Waits until `expected` nodes are replicas with their replication link up. */
async function waitForReplicas(ports: readonly number[], expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const infos = await Promise.all(ports.map((p) => rawCommand(p, 'INFO replication')));
    const linked = infos.filter(
      (info) => info?.includes('role:slave') && info.includes('master_link_status:up'),
    ).length;
    if (linked >= expected) return;
    await sleep(100);
  }
  throw new Error('Redis Cluster replicas did not all attach to their masters within 30 s');
}
