/**
 * A TCP proxy on loopback in front of a real LDAP server (plain ldap://, no TLS: it reads
 * the client's requests) that can raise the page size the client's simple paged results
 * control asks for, as a server that ignores the asked size would answer: the client asks
 * for pages of N, the server sends pages of the raised size. The rewrite keeps the BER
 * lengths (one-byte sizes only), so the request stays well-formed.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const PAGED_RESULTS_OID = Buffer.from('1.2.840.113556.1.4.319', 'latin1');

export interface PagingProxy {
  port: number;
  /** Rewrite a control asking for pages of `from` into one asking for `to` (both < 128); null: relay as is. */
  rewrite(sizes: { from: number; to: number } | null): void;
  stop(): Promise<void>;
}

function raisePageSize(chunk: Buffer, from: number, to: number): Buffer {
  const out = Buffer.from(chunk);
  let at = out.indexOf(PAGED_RESULTS_OID);
  while (at >= 0) {
    // After the OID: [criticality] OCTET STRING { SEQUENCE { INTEGER size, OCTET STRING cookie } }.
    const int = out.indexOf(Buffer.from([0x02, 0x01]), at + PAGED_RESULTS_OID.length);
    if (int >= 0 && int < at + PAGED_RESULTS_OID.length + 12 && out[int + 2] === from)
      out[int + 2] = to;
    at = out.indexOf(PAGED_RESULTS_OID, at + 1);
  }
  return out;
}

export async function startPagingProxy(targetPort: number): Promise<PagingProxy> {
  let sizes: { from: number; to: number } | null = null;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) open.add(s);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) =>
      upstream.write(sizes ? raisePageSize(chunk, sizes.from, sizes.to) : chunk),
    );
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', () => {
        open.delete(s);
        close();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    port: address.port,
    rewrite: (s) => {
      sizes = s;
    },
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
