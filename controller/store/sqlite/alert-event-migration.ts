/**
 * Alerts carry what they are about (context) and why they left `open`; every change is
 * appended to alert_events, the feed notifications and SIEM export read (migration 44).
 */
export const alertEventMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 44,
    name: 'alert context, state reason and the alert event feed',
    sql: `
      ALTER TABLE alerts ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE alerts ADD COLUMN state_reason TEXT;
      ALTER TABLE alerts ADD COLUMN state_by TEXT;
      -- seq follows commit order (one writer), so a reader after seq N never misses a row
      CREATE TABLE alert_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL,
        kind TEXT NOT NULL, at INTEGER NOT NULL
      );
      -- no backfill: alerts raised before this have no event, as on MongoDB
      CREATE INDEX alert_events_alert ON alert_events(alert_id);
    `,
  },
];
