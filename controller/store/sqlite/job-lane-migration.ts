/**
 * The job lane (records.ts JobLane). Claiming now walks the queued jobs of one type and
 * one lane, so the claim index gains the lane; the old index served only the claim.
 */
export const jobLaneMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 5,
    name: 'job lanes: bulk scheduled scans take at most a share of the workers',
    sql: `
      ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'normal' CHECK (lane IN ('normal', 'bulk'));
      CREATE INDEX jobs_queued_lane ON jobs(type, lane, priority DESC, run_at) WHERE state = 'queued';
      DROP INDEX jobs_queued;
    `,
  },
];
