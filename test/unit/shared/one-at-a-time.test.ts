import { describe, expect, it } from 'vitest';
import { oneAtATime } from '../../../shared/one-at-a-time';

describe('oneAtATime', () => {
  it('runs calls with one key in order, after a failed one too, and other keys beside them', async () => {
    const run = oneAtATime();
    const log: string[] = [];
    let releaseFirst = (): void => undefined;
    const first = run('a', async () => {
      log.push('a1 start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = run('a', async () => {
      log.push('a2');
      return 2;
    });
    const other = run('b', async () => {
      log.push('b1');
      return 'b';
    });
    expect(await other).toBe('b');
    expect(log).toEqual(['a1 start', 'b1']);
    releaseFirst();
    await expect(first).rejects.toThrow('a1 failed');
    expect(await second).toBe(2);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });
});
