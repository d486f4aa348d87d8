import { DatagramSink } from './datagram-sink';
import type { ExportSink } from './export-sink';
import { FileSink } from './file-sink';
import { HttpSink } from './http-sink';
import type { SinkConfig } from './sink-config';
import { SyslogStreamSink } from './syslog-stream-sink';

/** The sink a configuration names (its URL was checked when the config was loaded). */
export function openSink(c: SinkConfig): ExportSink {
  const syslog = /^syslog\+(udp|tcp|tls):\/\/\[?([^\]/]+?)\]?:(\d+)$/.exec(c.url);
  if (syslog) {
    const [, transport, host = '', port] = syslog;
    if (transport === 'udp') return new DatagramSink(host, Number(port));
    return new SyslogStreamSink({
      transport: transport === 'tls' ? 'tls' : 'tcp',
      host,
      port: Number(port),
      ...(c.caFile ? { caFile: c.caFile } : {}),
      ...(c.certFile ? { certFile: c.certFile } : {}),
      ...(c.keyFile ? { keyFile: c.keyFile } : {}),
      ...(c.serverName ? { serverName: c.serverName } : {}),
    });
  }
  if (c.url.startsWith('file://'))
    return new FileSink(c.url.slice('file://'.length), c.maxBytes, c.keep ?? 5);
  return new HttpSink(c.url, c.tokenFile ?? '', c.format === 'ocsf');
}
