/** The API's records as the console reads them (controller/api/schemas.ts). */
export interface Job {
  id: string;
  type: string;
  state: string;
  params: unknown;
  result: unknown;
  error: { code: string; message: string; retryable: boolean } | null;
  attempts: number;
  maxAttempts: number;
  parentId: string | null;
  hostId: string | null;
  createdBy: string;
  trigger: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  cancelRequested: boolean;
  awaitingChildren: boolean;
  progress: unknown;
}

export interface Host {
  id: string;
  name: string;
  address: string;
  port: number;
  kind: string;
  state: string;
  groupId: string | null;
  hostKeyFingerprint: string | null;
  managementAccount: string | null;
  agentId: string | null;
  os: string | null;
  sshProduct: string | null;
  lastSeenAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export const ENDED = ['completed', 'failed', 'cancelled', 'expired'];
export const JOB_STATES = ['queued', 'running', ...ENDED];
export const HOST_STATES = [
  'discovered',
  'monitored',
  'managed',
  'unreachable',
  'host-key-mismatch',
];
