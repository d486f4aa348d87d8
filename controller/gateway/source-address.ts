/**
 * The address a target host sees the gateway's outbound ssh come from: the local address
 * of the route to it (a connected UDP socket sends nothing, it only picks the route), unless
 * an operator set KEYWARDEN_GATEWAY_FROM_ADDRESS (NAT between the controller and hosts).
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export function sourceAddressFor(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    sock.on('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.connect(port, address, () => {
      const local = sock.address().address;
      sock.close();
      resolve(local);
    });
  });
}

/**
 * The person's address as from= and source-address patterns are written: a listener on
 * `::` reports IPv4 peers as `::ffff:a.b.c.d`, which no IPv4 pattern or CIDR would match.
 */
export function clientAddress(ip: string | undefined): string {
  const a = ip ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? (mapped[1] as string) : a;
}
