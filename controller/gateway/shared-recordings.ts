/**
 * Recordings on several controllers of one MongoDB store. A session is recorded as files on
 * the controller that holds it; when it ends, both casts are copied into the store
 * (GridFS, `store.sessionRecordings`), and a controller asked for a recording it does not
 * have on disk fetches it from there into its own data directory first (downloads, the text
 * pipeline), at the same relative path. On SQLite there is no shared copy: one store is one
 * machine, and the files are the recordings.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/store';
import type { EndedSession } from './session-end-hooks';

type Deps = { store: Pick<Store, 'sessionRecordings'>; dataDir: string };

/** Copies a finished session's casts into the store (a no-op on SQLite). */
export async function shareRecording({ store, dataDir }: Deps, ended: EndedSession) {
  const blobs = store.sessionRecordings;
  if (!blobs) return;
  const s = ended.session;
  for (const rel of [s.recordingPath, s.inputPath])
    if (rel) await blobs.put(rel, path.join(dataDir, rel));
}

/** The recording's file on this controller, fetched from the store when only it has one. */
export async function localRecording({ store, dataDir }: Deps, rel: string) {
  const file = path.join(dataDir, rel);
  if (
    await access(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  const blobs = store.sessionRecordings;
  if (blobs && (await blobs.fetch(rel, file))) return file;
  return null;
}
