/**
 * Which Node.js runtime the agent may ship with. The executable embeds the node that
 * builds it and runs as root on every host, so a runtime past its end of life (no more
 * security fixes) or a short-lived non-LTS line must never be packaged.
 */

/**
 * End of life of each Node.js LTS line, from the Node.js release schedule
 * (https://github.com/nodejs/Release, schedule.json). Add a line here when moving to it.
 */
export const NODE_LTS_END_OF_LIFE: Readonly<Record<number, string>> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};

/** The major of `engines.node` in package.json, which reads ">=MAJOR". */
export function enginesMinimumMajor(engines: string): number {
  const m = /^>=\s*(\d+)$/.exec(engines.trim());
  if (!m) throw new Error(`package.json engines.node should read ">=MAJOR", found "${engines}"`);
  return Number(m[1]);
}

/** Why `version` (as process.version) must not be packaged on `today`, or undefined if it may. */
export function runtimeRefusal(
  version: string,
  minimumMajor: number,
  today: Date,
): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const fix = 'run `npm ci` and build through npm (npm run package:agent), on the pinned runtime';
  if (!Number.isInteger(major)) return `cannot read the Node.js version "${version}"`;
  if (major < minimumMajor)
    return `Node.js ${version} is older than the project's runtime (engines >=${minimumMajor}): ${fix}`;
  const end = NODE_LTS_END_OF_LIFE[major];
  if (!end)
    return `Node.js ${version} is not a long-term support line known to packaging/node-release-schedule.ts: the agent ships only an LTS runtime`;
  if (today.toISOString().slice(0, 10) > end)
    return `Node.js ${version} reached end of life on ${end} and gets no security fixes: move the project to a supported LTS line (docs/runtime.md)`;
  return undefined;
}
