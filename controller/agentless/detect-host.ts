/** What discovery records about a host: its OS (os-release and uname) and SSH product (banner). */
import type { HostSession } from '../../shared/session/host-session';

export async function detectOs(session: HostSession): Promise<string | null> {
  let pretty: string | null = null;
  try {
    const text = (await session.readFile('/etc/os-release')).content.toString('utf8');
    const m = /^PRETTY_NAME=("?)(.*)\1$/m.exec(text);
    pretty = m?.[2]?.trim() || null;
  } catch {
    // no os-release (BSDs, old systems): uname alone names the OS
  }
  const uname = await session.exec('uname', ['-sr']).catch(() => null);
  const kernel = uname && uname.code === 0 ? uname.stdout.trim() : null;
  if (pretty && kernel) return `${pretty} (${kernel})`;
  return pretty ?? kernel;
}
