import { defineConfig } from 'vitest/config'

// One vitest configuration, one project per suite. Node 20 needs --experimental-websocket and the
// Promise.withResolvers polyfill (DESIGN §9, §10); every worker gets both. The suites that start
// devnets run one file at a time and one suite after another (sequence.groupOrder): on CI's 2 cores,
// a devnet + Chromium + workerd at once made every file slower and timing-sensitive tests flaky.
const shared = {
  execArgv: ['--experimental-websocket'],
  setupFiles: ['./cli/polyfills.js'],
  pool: 'forks' as const
}

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'], exclude: ['test/integration/join/**'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false, sequence: { groupOrder: 0 } } },
      // real headless Chromium (playwright-core, test/helpers/chromium.ts) against a real devnet
      { test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 240_000, fileParallelism: false, sequence: { groupOrder: 1 } } },
      // the edge: the worker in real workerd (miniflare) and the WebSocket transport, against a real devnet
      { test: { ...shared, name: 'edge', include: ['test/edge/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false, sequence: { groupOrder: 2 } } },
      // A 5th full node joins a ≥ 1,000-block chain by state sync (~100 s on 2 cores)
      { test: { ...shared, name: 'join', include: ['test/integration/join/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false, sequence: { groupOrder: 3 } } },
      // validators and light nodes as separate hosts in Linux network namespaces (root; test/partition/README.md;
      // ~55 s). Without namespaces the suite fails loudly, never skips.
      { test: { ...shared, name: 'partition', include: ['test/partition/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false, sequence: { groupOrder: 4 } } }
    ]
  }
})
