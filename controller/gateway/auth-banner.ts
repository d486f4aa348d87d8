/**
 * A line for the person during authentication (SSH_MSG_USERAUTH_BANNER, RFC 4252 5.4):
 * OpenSSH prints it before "Permission denied", which is how a refused certificate says
 * why. ssh2 sends a banner only once, before the first request, so this writes the packet
 * the way ssh2's own Protocol.serviceAccept does, through the connection's protocol object.
 * That object is ssh2's internals: if a version changes them, the banner is skipped and the
 * refusal still stands (the test in gateway-certificates.test.ts notices the missing text).
 */
import type { Connection } from 'ssh2';

const USERAUTH_BANNER = 53;

interface Ssh2Protocol {
  _packetRW?: {
    write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer };
  };
  _cipher?: { encrypt(p: Buffer): void };
  _kexinit?: unknown;
  _queue?: Buffer[];
}

export function sendAuthBanner(client: Connection, text: string): boolean {
  const proto = (client as unknown as { _protocol?: Ssh2Protocol })._protocol;
  const rw = proto?._packetRW?.write;
  if (!proto || !rw || !proto._cipher) return false;
  // Control characters would let a crafted certificate field repaint the person's terminal.
  const lines = text.split('\n').map((l) => l.replace(/\p{Cc}/gu, '?'));
  const body = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  const start = rw.allocStart;
  const packet = rw.alloc(1 + 4 + body.length + 4);
  packet[start] = USERAUTH_BANNER;
  packet.writeUInt32BE(body.length, start + 1);
  body.copy(packet, start + 5);
  packet.writeUInt32BE(0, start + 5 + body.length); // empty language tag
  const finished = rw.finalize(packet);
  if (proto._kexinit !== undefined) (proto._queue ??= []).push(finished);
  else proto._cipher.encrypt(finished);
  return true;
}
