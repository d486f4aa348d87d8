/**
 * Finished session recordings kept in the store itself, so every controller of one store
 * can serve them: on MongoDB (several controllers) a GridFS bucket. SQLite is one machine
 * by definition, so it has none and the recordings stay files in the data directory.
 * Recordings are written as files while a session runs (append-only, no store write per
 * line, docs/gateway.md) and copied here once, when the session has ended.
 */
export interface RecordingBlobRepository {
  /** Stores the file under `name` (its path relative to the data directory), replacing any earlier copy. */
  put(name: string, file: string): Promise<void>;
  /** Writes the stored copy to `file` (its directory made); false when none is stored. */
  fetch(name: string, file: string): Promise<boolean>;
  remove(name: string): Promise<void>;
}
