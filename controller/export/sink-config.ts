/**
 * SIEM export sinks, as configured (KEYWARDEN_EXPORT_SINKS, a JSON array, through the one
 * config loader). A sink names where events go, in which format, from which feeds. No
 * secret is written in the setting: an HTTP sink's bearer token and a TLS client key are
 * files (read when the sink starts), so the setting can be listed and logged as it is.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { settingFailure } from '../../shared/config/settings-parser';

const Path = Type.String({ pattern: '^/' });

export const SinkConfigSchema = Type.Object(
  {
    /** Stable name: the sink's cursors are kept under it. */
    id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
    format: Type.Union([Type.Literal('cef'), Type.Literal('ocsf')]),
    /**
     * syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT (RFC 6587 octet counting),
     * syslog+tls://HOST:PORT (RFC 5425), file:///PATH, or an http(s):// URL (POST batches).
     */
    url: Type.String({
      pattern: '^(syslog\\+(udp|tcp|tls)://[^/]+:\\d+|file:///.+|https?://.+)$',
    }),
    feeds: Type.Optional(
      Type.Array(Type.Union([Type.Literal('alerts'), Type.Literal('audit')]), { minItems: 1 }),
    ),
    /** Events per batch: the in-memory queue is one batch; the feed is not read further until it is acknowledged. */
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    /** The first run starts at the end of the feeds (no flood of history) unless true. */
    replay: Type.Optional(Type.Boolean()),
    /** TLS: CA bundle to trust, client certificate and key (files), server name to check. */
    caFile: Type.Optional(Path),
    certFile: Type.Optional(Path),
    keyFile: Type.Optional(Path),
    serverName: Type.Optional(Type.String({ minLength: 1 })),
    /** HTTP: a file holding the bearer token (never the token itself). */
    tokenFile: Type.Optional(Path),
    /** File: rotate past this size, keeping this many old files (file.1 ... file.N). */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    keep: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Several controllers: how long one holds the sink before another may take it over. */
    leaseSeconds: Type.Optional(Type.Integer({ minimum: 2, maximum: 600 })),
  },
  { additionalProperties: false },
);

export type SinkConfig = Static<typeof SinkConfigSchema>;

export function parseExportSinks(raw: string, name: string): SinkConfig[] {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return settingFailure(name, raw, 'a JSON array of sinks');
  }
  if (!Array.isArray(v)) return settingFailure(name, raw, 'a JSON array of sinks');
  const ids = new Set<string>();
  return v.map((s, i) => {
    const err = Value.Errors(SinkConfigSchema, s).First();
    if (err)
      return settingFailure(
        name,
        raw,
        `sink ${i}: ${err.path || '(the sink)'} ${err.message} (see docs/siem-export.md)`,
      );
    const sink = s as SinkConfig;
    if (ids.has(sink.id))
      return settingFailure(name, raw, `sink ids to be unique: ${sink.id} twice`);
    ids.add(sink.id);
    if (sink.url.startsWith('http') && !sink.tokenFile)
      return settingFailure(name, raw, `sink ${sink.id}: tokenFile for an HTTP sink`);
    return sink;
  });
}
