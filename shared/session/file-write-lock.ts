/**
 * One Keywarden write at a time per file of a host, within this process. The atomic write
 * checks the file once more right before its rename, but two writers of the same file that
 * both pass that check would rename one after the other, and the second would drop the
 * first's change (two keys placed at once, one of them lost). Every write to a host's file
 * from this process (the agent on its host, the controller for its agentless hosts) goes
 * through here, so the second writer checks after the first has renamed, and is refused
 * (FILE_CHANGED, retried) instead of overwriting it.
 */
import { oneAtATime } from '../one-at-a-time';

export const withFileWriteLock = oneAtATime();
