import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { SLOWEST_FILES, SlowFirstSequencer } from '../../setup/slow-first-sequencer';

const root = '/repo';
const spec = (file: string) =>
  ({
    moduleId: `${root}/${file}`,
    project: { name: '', config: { sequence: { groupOrder: 0 }, isolate: true } },
  }) as unknown as TestSpecification;
// A fresh clone: vitest has cached neither durations nor file sizes.
const ctx = {
  config: { root },
  cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
} as unknown as Vitest;

describe('the order test files start in', () => {
  it('starts the slowest files first, in their order, and the unit files last', async () => {
    const files = [
      'test/unit/store/a.test.ts',
      'test/integration/store/b.test.ts',
      SLOWEST_FILES[2]!,
      'test/unit/api/c.test.ts',
      'test/e2e/d.test.ts',
      SLOWEST_FILES[0]!,
    ];
    const sorted = await new SlowFirstSequencer(ctx).sort(files.map(spec));
    expect(sorted.map((s) => s.moduleId.slice(root.length + 1))).toEqual([
      SLOWEST_FILES[0],
      SLOWEST_FILES[2],
      'test/integration/store/b.test.ts',
      'test/e2e/d.test.ts',
      'test/unit/store/a.test.ts',
      'test/unit/api/c.test.ts',
    ]);
  });

  it('names only files that exist', async () => {
    const { access } = await import('node:fs/promises');
    for (const f of SLOWEST_FILES) await expect(access(f)).resolves.toBeUndefined();
  });
});
