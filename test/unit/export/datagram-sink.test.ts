import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DatagramSink } from '../../../controller/export/datagram-sink';

describe('syslog over UDP', () => {
  it('sends one RFC 5424 datagram per event, with its event id', async () => {
    const server = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const all = new Promise<void>((resolve) =>
      server.on('message', (m) => {
        got.push(m.toString('utf8'));
        if (got.length === 2) resolve();
      }),
    );
    const sink = new DatagramSink('127.0.0.1', server.address().port);
    await sink.send([
      { id: 'audit-1', text: 'CEF:0|a', kind: 'audit', severity: 5, at: 0 },
      { id: 'alert-2', text: '{"x":1}', kind: 'alert', severity: 2, at: 0 },
    ]);
    await all;
    await sink.close();
    server.close();
    expect(got[0]).toMatch(
      /^<109>1 1970-01-01T00:00:00.000Z \S+ keywarden \d+ audit \[keywarden@32473 eventId="audit-1"\] \ufeffCEF:0\|a$/,
    );
    expect(got[1]).toMatch(
      /^<106>1 .* alert \[keywarden@32473 eventId="alert-2"\] \ufeff\{"x":1\}$/,
    );
  });
});
