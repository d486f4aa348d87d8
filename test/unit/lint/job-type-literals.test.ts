/**
 * Job definitions drive everything (issue 11): outside controller/jobs/ the controller names
 * no job type in a string. Code elsewhere asks the registry (a definition's hostScan, robot,
 * on, rootFields) or imports the definition (`discover.type`). This test reads every
 * controller source and fails on a string literal equal to a registered job type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../../controller/jobs/registry';

const root = join(import.meta.dirname, '..', '..', '..');

/** Where a job type name in a string is not a job type. */
const EXEMPT_DIRS = [
  'controller/jobs/', // the job types themselves
  'controller/cli/', // a client of the HTTP API: it names URL paths, which may share a word
];
/** A literal that is something else that happens to share the word, with why. */
const EXEMPT: Array<{ file: string; literal: string; why: string }> = [
  {
    file: 'controller/api/hosts-routes.ts',
    literal: 'discover',
    why: 'the URL path /api/v1/hosts/:id/discover',
  },
];

/** String literals equal to a name in `names`, except a host operation's name in runOnHost(). */
function jobTypeLiterals(
  source: string,
  names: ReadonlySet<string>,
): Array<{ literal: string; line: number }> {
  const file = ts.createSourceFile('probe.ts', source, ts.ScriptTarget.Latest, true);
  const found: Array<{ literal: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      names.has(node.text) &&
      !isHostOperationName(node)
    ) {
      const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push({ literal: node.text, line });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Host operations (shared/hostops) share some names with job types: `ctx.runOnHost('scan-full', …)`. */
function isHostOperationName(node: ts.Node): boolean {
  const call = node.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[0] !== node) return false;
  const callee = call.expression;
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText();
  return name === 'runOnHost';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('job type names outside controller/jobs', () => {
  const names = new Set(Object.keys(buildRegistry({ testJobTypes: true })));

  it('finds a planted literal, and not a host operation of the same name', () => {
    const planted = [
      "const t = 'scan-full';",
      "await ctx.runOnHost('scan-full', {});",
      'const u = `discover-host`;',
    ].join('\n');
    expect(jobTypeLiterals(planted, names)).toEqual([
      { literal: 'scan-full', line: 1 },
      { literal: 'discover-host', line: 3 },
    ]);
  });

  it('are not written in any controller source', () => {
    const hits: string[] = [];
    for (const path of sources(join(root, 'controller'))) {
      const file = relative(root, path).split('\\').join('/');
      if (EXEMPT_DIRS.some((d) => file.startsWith(d))) continue;
      for (const { literal, line } of jobTypeLiterals(readFileSync(path, 'utf8'), names)) {
        if (EXEMPT.some((e) => e.file === file && e.literal === literal)) continue;
        hits.push(`${file}:${line}: '${literal}'`);
      }
    }
    expect(hits, 'use the definition (x.type) or declare it on the definition').toEqual([]);
  });
});
