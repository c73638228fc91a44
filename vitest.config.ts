import { defineConfig } from 'vitest/config';

// Three tiers, each runnable alone (`npm run test:unit|test:interop|test:e2e`, or `--project NAME`):
// interop runs the real notary, notary-server, docker CLI, docker-registry and openssl on loopback;
// e2e runs the built binary as a user would (commands, tmux); unit is everything else, in-process.
const INTEROP = [
  'test/interop/**/*.test.{ts,tsx}',
  'test/keys/notary-cli.test.ts',
  'test/keys/docker-cli.test.ts',
  'test/keys/openssl.test.ts',
  'test/notary/http-client.test.ts',
  'test/server/lifecycle.test.ts',
  // A real PostgreSQL cluster (test/helpers/postgres.ts).
  'test/server/storage-contract.test.ts',
  'test/server/postgres-server.test.ts',
  // Debian's skopeo and a private dockerd (test/helpers/dockerd.ts).
  'test/registry/local-skopeo.test.ts',
  'test/registry/local-daemon.test.ts',
  // docker-registry (pushImage).
  'test/registry/push.test.ts',
  'test/registry/push-memory.test.ts',
  'test/registry/insecure.test.ts',
  'test/registry/push-token.test.ts',
  // openssl and faketime make its certificates.
  'test/registry/tls-advice.test.ts',
];
const E2E = ['test/e2e/**/*.test.{ts,tsx}', 'test/cli/**/*.test.{ts,tsx}'];
const ALL = ['test/**/*.test.{ts,tsx}'];

export default defineConfig({
  test: {
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Interop tests start real notary servers; two cores, so keep files from starving each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...INTEROP, ...E2E] } },
      { extends: true, test: { name: 'interop', include: INTEROP } },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
