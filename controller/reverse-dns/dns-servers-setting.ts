/**
 * The setting naming the DNS servers reverse lookups ask: comma-separated addresses, each
 * `IP`, `IP:PORT` or `[IPv6]:PORT` (node's Resolver.setServers form). Only addresses: a
 * name would need DNS to find DNS.
 */
import { isIP } from 'node:net';
import { settingFailure as fail, type SettingParse } from '../../shared/config/settings-parser';

export const asDnsServers: SettingParse<string[]> = (raw, name) => {
  const servers = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ok = (s: string) => {
    if (isIP(s)) return true;
    const m = /^(?:\[([0-9a-fA-F:]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d{1,5})$/.exec(s);
    return !!m && isIP(m[1] ?? m[2] ?? '') !== 0 && Number(m[3]) > 0 && Number(m[3]) <= 65535;
  };
  if (servers.length === 0 || !servers.every(ok))
    return fail(name, raw, 'comma-separated DNS server addresses: IP, IP:PORT or [IPv6]:PORT');
  return servers;
};
