import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/setup/slow-first-sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration files mostly wait on real servers (sshd, FerretDB, agents), so several
    // run well side by side; vitest's default (cores - 1) ran one file at a time on a
    // 2-core machine. KEYWARDEN_TEST_WORKERS sets another number.
    maxWorkers: Number(process.env.KEYWARDEN_TEST_WORKERS) || 3,
    // The slowest files first, the unit files last (test/setup/slow-first-sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    // Prerequisites, the FerretDB build and stale test accounts, once per run.
    globalSetup: ['test/setup/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
