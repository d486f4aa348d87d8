/**
 * Session recordings in a GridFS bucket (`sessionRecordings.files` / `.chunks`): the
 * driver's own chunked file store, streamed both ways so a 100 MiB recording is never
 * held in memory.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, type Db } from 'mongodb';
import type { RecordingBlobRepository } from '../recording-blob-store';

export function mongoRecordingBlobs(db: Db): RecordingBlobRepository {
  const bucket = new GridFSBucket(db, { bucketName: 'sessionRecordings' });
  const copiesOf = (name: string) =>
    bucket.find({ filename: name }, { sort: { uploadDate: -1 } }).toArray();
  return {
    async put(name, file) {
      const upload = bucket.openUploadStream(name);
      await pipeline(createReadStream(file), upload);
      // Replaced only once the new copy is whole: a reader never finds none.
      for (const old of await copiesOf(name))
        if (!old._id.equals(upload.id)) await bucket.delete(old._id);
    },
    async fetch(name, file) {
      const [newest] = await copiesOf(name);
      if (!newest) return false;
      await mkdir(path.dirname(file), { recursive: true });
      // Two downloads of one recording at once each write their own file; the rename is atomic.
      const partial = `${file}.${randomUUID()}.fetching`;
      try {
        await pipeline(bucket.openDownloadStream(newest._id), createWriteStream(partial));
        await rename(partial, file);
      } finally {
        await rm(partial, { force: true });
      }
      return true;
    },
    async remove(name) {
      for (const copy of await copiesOf(name)) await bucket.delete(copy._id);
    },
  };
}
