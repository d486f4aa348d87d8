/**
 * The order test files start in. Three run side by side, so a file that takes two minutes
 * and starts last keeps the run going alone for two minutes: the slowest files start
 * first. vitest orders by the durations it cached from an earlier run, but a fresh clone
 * (CI) has none and falls back to file size, which says little here. So: the files known to
 * be slowest first, in this order; then the other integration and e2e files (vitest's order);
 * the unit files, short and light, last, where they fill the gaps at the end.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Measured on an idle 2-core machine, slowest first; a file missing here only starts later. */
export const SLOWEST_FILES = [
  'test/integration/inventory/inventory-api-cli.test.ts',
  'test/integration/policy/policy-alerts.test.ts',
  'test/integration/authorizations/authorizations.test.ts',
  'test/integration/api/job-secrets.test.ts',
  'test/integration/directory/ldap-access.test.ts',
  'test/integration/backup/backup-restore.test.ts',
  'test/integration/backup/mongo-backup.test.ts',
  'test/integration/health/monitor-family.test.ts',
  'test/integration/api/jobs-api.test.ts',
  'test/integration/inventory/scan-intervals-api.test.ts',
  'test/integration/reporting/statistics.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root.replace(/\/?$/, '/');
    const rank = (spec: TestSpecification) => {
      const file = spec.moduleId.startsWith(root)
        ? spec.moduleId.slice(root.length)
        : spec.moduleId;
      const slow = SLOWEST_FILES.indexOf(file);
      if (slow >= 0) return slow;
      return SLOWEST_FILES.length + (file.startsWith('test/unit/') ? 1 : 0);
    };
    return base
      .map((spec, i) => ({ spec, i, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((x) => x.spec);
  }
}
