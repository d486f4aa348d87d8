/**
 * The lint rules that carry docs/architecture.md really fire: a deliberate import cycle and
 * a deliberate "never" arrow, written into the tree as a contributor would write them, are
 * both reported by the project's own ESLint configuration (the one `npm test` runs).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const probe = join(root, 'controller', 'jobs', `lint-probe-${process.pid}`);

afterAll(() => rmSync(probe, { recursive: true, force: true }));

describe('architecture lint rules', () => {
  it('reports an import cycle and a job importing a store adapter', async () => {
    mkdirSync(probe, { recursive: true });
    const a = join(probe, 'cycle-a.ts');
    const b = join(probe, 'cycle-b.ts');
    const adapter = join(probe, 'uses-adapter.ts');
    writeFileSync(a, "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n");
    writeFileSync(b, "import { a } from './cycle-a';\nexport const b = (): number => a() - 1;\n");
    writeFileSync(
      adapter,
      "import { migrations } from '../../store/sqlite/migrations';\nexport const n = migrations.length;\n",
    );
    const eslint = new ESLint({ cwd: root });
    const results = await eslint.lintFiles([a, b, adapter]);
    const messages = (file: string) =>
      results.find((r) => r.filePath === file)?.messages.map((m) => m.ruleId) ?? [];
    expect(messages(a)).toContain('import-x/no-cycle');
    expect(messages(b)).toContain('import-x/no-cycle');
    expect(messages(adapter)).toContain('no-restricted-imports');
  });
});
