/**
 * A TCP proxy on loopback that forwards to a real server and can drop the connection part
 * way through a conversation: after a given number of bytes from the server, both sides are
 * destroyed, as a server that dies or a network that fails mid-transfer would. It relays
 * bytes only (TLS passes through it untouched), and counts them so a test can aim the cut.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Bytes the server sent through the proxy, over all connections so far. */
  serverBytes(): number;
  /** Cut every connection once this many server bytes (counted per connection) have passed; null: never. */
  cutAfter(bytes: number | null): void;
  stop(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  let total = 0;
  let limit: number | null = null;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    open.add(client);
    open.add(upstream);
    let seen = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (limit !== null && seen + chunk.length > limit) {
        client.write(chunk.subarray(0, Math.max(0, limit - seen)), cut);
        seen = limit;
        return;
      }
      seen += chunk.length;
      total += chunk.length;
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        open.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    port: address.port,
    serverBytes: () => total,
    cutAfter: (bytes) => {
      limit = bytes;
    },
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
