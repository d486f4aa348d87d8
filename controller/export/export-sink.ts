/** What every sink does: deliver a batch, resolving only once it counts as acknowledged. */
export interface ExportMessage {
  /** The event id (alert-<cursor>, audit-<cursor>): in every message, for the receiver's dedupe. */
  id: string;
  /** The formatted event (a CEF line, or OCSF JSON text). */
  text: string;
  /** MSGID of the syslog header: `alert` or `audit`. */
  kind: 'alert' | 'audit';
  /** Syslog severity (0..7). */
  severity: number;
  at: number;
}

export interface ExportSink {
  /** Resolves when the receiver has the batch (see each sink for what that means). */
  send(batch: ExportMessage[]): Promise<void>;
  close(): Promise<void>;
}
