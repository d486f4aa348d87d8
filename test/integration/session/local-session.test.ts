import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSession } from '../../../shared/session/local-session';
import { describeSessionContract } from './session-contract';

let rootDir = '';
describeSessionContract(
  'LocalSession with a root prefix',
  async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'kwt-local-'));
    return {
      session: new LocalSession({ rootPrefix: rootDir }),
      rootDir,
      owner: { uid: 1234, gid: 1235 },
    };
  },
  () => rm(rootDir, { recursive: true, force: true }),
);
