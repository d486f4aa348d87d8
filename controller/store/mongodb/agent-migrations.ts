/** Indexes of the agent collections (migration ids 30-39 belong to agents). */
type Index = { name: string; key: Record<string, 1 | -1>; unique?: boolean };
const up = 1 as const;
const down = -1 as const;

export const agentMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, Index[]>;
}> = [
  {
    id: 30,
    name: 'agents, enrollment tokens, agent assignments and results',
    indexes: {
      agents: [{ name: 'host', key: { hostId: up } }],
      // tokenHash is always present, so a unique index on it is safe on every server.
      enrollment_tokens: [{ name: 'hash', key: { tokenHash: up }, unique: true }],
      // gateway poll: what must be sent to these hosts
      agent_assignments: [
        { name: 'host_state', key: { hostId: up, state: up, createdAt: up } },
        { name: 'state_updated', key: { state: up, updatedAt: up } },
      ],
      agent_results: [{ name: 'job', key: { jobId: up, attempt: down } }],
    },
  },
  {
    id: 32,
    name: 'agents whose certificates changed (gateway revocation sweep)',
    indexes: { agents: [{ name: 'credentials_changed', key: { credentialsChangedAt: up } }] },
  },
];
