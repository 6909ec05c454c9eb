import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The CLI reads the admin credentials in $XDG_CONFIG_HOME/baton when no file is named:
// tests get a folder of their own (never made), so a developer's own file is not used.
const env = { XDG_CONFIG_HOME: join(tmpdir(), `baton-tests-config-${process.pid}`) };

// Unit tests sit beside the code and run in parallel. Integration, end-to-end and fault
// tests, and those of the single binaries and their installers, share one Docker engine,
// real brokers and loop devices, so their files run one at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['protocol/**/*.test.ts', 'agent/**/*.test.ts', 'coordinator/**/*.test.ts', 'bench/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: [
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/faults/**/*.test.ts',
            'test/binaries/**/*.test.ts',
            'test/install/**/*.test.ts',
          ],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
