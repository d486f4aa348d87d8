/** Policy versions by policy, and alerts by dedupe key for policy evaluation (migration 45). */
export const policyMigrations = [
  {
    id: 45,
    name: 'policy versions by policy; alerts by dedupe key',
    indexes: {
      policy_versions: [{ name: 'policy', key: { policyId: 1 as const, version: 1 as const } }],
      alerts: [{ name: 'dedupe_latest', key: { dedupeKey: 1 as const, createdAt: -1 as const } }],
    },
  },
];
