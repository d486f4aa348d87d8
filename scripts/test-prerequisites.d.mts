/** Types for the tests of test-prerequisites.mjs (plain Node so it runs before any build). */
export interface Requirement {
  file?: string;
  command?: string;
  pkg: string;
}
export interface PrerequisiteSystem {
  isRoot: boolean;
  hasApt: boolean;
  present(req: Requirement): boolean;
  log(line: string): void;
  run(
    cmd: string,
    args: string[],
    opts?: { env?: Record<string, string>; cwd?: string; quiet?: boolean },
  ): number;
}
export const REQUIREMENTS: Requirement[];
export function present(req: Requirement, pathEnv?: string): boolean;
export function parseExtra(value: string | undefined): Requirement[];
export function aptCommand(pkgs: string[]): string;
export function ensurePackages(
  requirements: Requirement[],
  opts: { checkOnly?: boolean },
  sys: PrerequisiteSystem,
): string[];
