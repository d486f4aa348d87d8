/**
 * A real DNS server on loopback (dns2, UDP) whose answers the test sets: a PTR name per
 * address, NXDOMAIN for the others, and silence for the addresses told to hang (to prove a
 * time limit). It counts the questions it was asked.
 */
import { createUDPServer, Packet } from 'dns2';

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, as KEYWARDEN_REVERSE_DNS_SERVERS takes it. */
  address: string;
  /** PTR answers by IPv4 address. */
  names: Map<string, string>;
  /** Addresses whose questions get no answer at all. */
  silent: Set<string>;
  /** Every address asked about, in order. */
  asked: string[];
  stop(): Promise<void>;
}

/** "4.3.2.1.in-addr.arpa" → "1.2.3.4". */
const addressOf = (name: string) =>
  name
    .replace(/\.in-addr\.arpa\.?$/i, '')
    .split('.')
    .reverse()
    .join('.');

export async function startTestDnsServer(): Promise<TestDnsServer> {
  const names = new Map<string, string>();
  const silent = new Set<string>();
  const asked: string[] = [];
  const server = createUDPServer((request, send) => {
    const [question] = request.questions;
    if (!question) return;
    const address = addressOf(question.name);
    asked.push(address);
    if (silent.has(address)) return;
    const response = Packet.createResponseFromRequest(request);
    const name = names.get(address);
    if (name && question.type === Packet.TYPE.PTR)
      response.answers.push({
        name: question.name,
        type: Packet.TYPE.PTR,
        class: Packet.CLASS.IN,
        ttl: 60,
        domain: name,
      } as never);
    else response.header.rcode = 3; // NXDOMAIN
    void send(response);
  });
  await new Promise<void>((resolve) => {
    server.once('listening', () => resolve());
    void server.listen(0, '127.0.0.1');
  });
  const { port } = server.address();
  return {
    address: `127.0.0.1:${port}`,
    names,
    silent,
    asked,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
