/** Values the global setups hand to tests through vitest's `provide`/`inject`. */
export interface ClusterInfo {
  /** `{ host, port }` of every node. */
  readonly rootNodes: ReadonlyArray<{ host: string; port: number }>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the standalone test Redis (a throwaway server, or `TASKS_REDIS_URL`). */
    redisUrl: string;
    /** The test Redis Cluster, when the package's config asks for one; `null` otherwise. */
    redisCluster: ClusterInfo | null;
  }
}
