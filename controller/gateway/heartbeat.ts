/** How often a gateway tells the store its sessions are alive (and their byte counts). */
export const HEARTBEAT_MS = 5_000;
