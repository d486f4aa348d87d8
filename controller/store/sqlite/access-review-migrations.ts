/** Access review campaigns, rounds and items (migration 43). */
export const accessReviewMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 43,
    name: 'access review campaigns, rounds and items',
    sql: `
      CREATE TABLE review_campaigns (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, group_id TEXT NOT NULL, application_id TEXT,
        owner TEXT NOT NULL, period_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL,
        on_unconfirmed TEXT NOT NULL, next_round_at INTEGER, stopped_by TEXT, stopped_at INTEGER,
        created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      -- every run of the robot asks which campaigns are due
      CREATE INDEX review_campaigns_due ON review_campaigns(next_round_at) WHERE next_round_at IS NOT NULL;
      CREATE INDEX review_campaigns_group ON review_campaigns(group_id, id);
      CREATE TABLE review_rounds (
        id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, group_id TEXT NOT NULL,
        application_id TEXT, owner TEXT NOT NULL, on_unconfirmed TEXT NOT NULL,
        state TEXT NOT NULL, due_at INTEGER NOT NULL, opened_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL, closed_at INTEGER
      );
      CREATE INDEX review_rounds_state ON review_rounds(state, id);
      CREATE INDEX review_rounds_campaign ON review_rounds(campaign_id, id);
      CREATE TABLE review_items (
        round_id TEXT NOT NULL, authorization_id TEXT NOT NULL, campaign_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL, account TEXT NOT NULL, target TEXT NOT NULL,
        options TEXT NOT NULL, expires_at INTEGER, granted_by TEXT NOT NULL,
        granted_at INTEGER NOT NULL, decision TEXT NOT NULL, decided_by TEXT,
        decided_at INTEGER, note TEXT, action TEXT, removal_job_id TEXT, alert_id TEXT,
        PRIMARY KEY (round_id, authorization_id)
      ) WITHOUT ROWID;
      -- the auditor's history goes by grant
      CREATE INDEX review_items_authorization ON review_items(authorization_id, round_id);
    `,
  },
];
