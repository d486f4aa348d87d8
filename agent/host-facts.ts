/** What the agent reports about its host at enrollment and at every connection. */
import { readFileSync } from 'node:fs';
import { arch, hostname, networkInterfaces, platform } from 'node:os';
import path from 'node:path';
import type { HostFacts } from '../shared/proto/gen/keywarden/agent/v1/agent';

export function collectHostFacts(rootPrefix = '/', hostName?: string): HostFacts {
  let osRelease = '';
  try {
    const text = readFileSync(path.join(rootPrefix, 'etc/os-release'), 'utf8');
    osRelease = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? '';
  } catch {
    // no os-release: leave it empty
  }
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
  return {
    hostname: hostName ?? hostname(),
    os: platform(),
    osRelease,
    arch: arch(),
    addresses,
    sshProduct: '',
    hostKeyFingerprint: '',
  };
}
