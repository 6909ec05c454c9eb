import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code and run in parallel. Integration, end-to-end and fault
// tests, and those of the single binaries and their installers, share one Docker engine,
// real brokers and loop devices, so their files run one at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['protocol/**/*.test.ts', 'agent/**/*.test.ts', 'coordinator/**/*.test.ts', 'bench/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
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
