/**
 * The readable log of a recorded session and the session's metadata. The types live with
 * the store that keeps them (controller/store/session-text-records.ts); this is where the
 * text pipeline names them.
 */
export type { LoggedCommand, SessionLog, SessionMetadata } from '../../store/session-text-records';
