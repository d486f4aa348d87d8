/** Whether an SSH listener answers: a TCP connection that gets an SSH banner in time. */
import { connect } from 'node:net';

export function listenerAnswers(
  address: { host: string; port: number },
  timeoutMs: number,
): Promise<{ ok: true; banner: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const host =
      address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
    const sock = connect({ host, port: address.port });
    let got = '';
    const done = (r: { ok: true; banner: string } | { ok: false; error: string }) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ ok: false, error: `no SSH banner within ${timeoutMs} ms` }),
      timeoutMs,
    );
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const line = /^(SSH-2\.0-[^\r\n]*)\r?\n/m.exec(got);
      if (line?.[1]) done({ ok: true, banner: line[1] });
    });
    sock.on('error', (err) => done({ ok: false, error: err.message }));
    sock.on('close', () => done({ ok: false, error: 'closed before its banner' }));
  });
}
