/**
 * One message through SMTP with nodemailer: STARTTLS required when asked for (a server
 * that does not offer it is refused, never fallen back from), login when a username is
 * set, the server's certificate checked (against a private CA when the settings give one).
 * SMTP failures become SMTP_FAILED (temporary: 4xx, connection, timeout, TLS; retried)
 * or SMTP_REJECTED (5xx: retrying the same message cannot help).
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { smtpFailed, smtpRejected, type KeywardenError } from '../../shared/errors';
import type { SmtpSettingsRecord } from '../store/notification-records';

export interface EmailToSend {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<id@domain>`: the same on every attempt, so a receiver can tell a repeat. */
  messageId: string;
  headers?: Record<string, string>;
}

export async function sendThroughSmtp(
  s: SmtpSettingsRecord,
  password: string | null,
  mail: EmailToSend,
  timeoutMs: number,
): Promise<{ response: string }> {
  const options: SMTPTransport.Options = {
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.username !== null ? { auth: { user: s.username, pass: password ?? '' } } : {}),
    tls: { ...(s.caCertificate ? { ca: s.caCertificate } : {}), minVersion: 'TLSv1.2' },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  };
  const transport = nodemailer.createTransport(options);
  try {
    const info = await transport.sendMail({
      from: s.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      headers: mail.headers ?? {},
    });
    if (info.rejected.length > 0)
      throw smtpRejected(`the SMTP server refused recipient ${mail.to}: ${info.response}`, {
        details: { recipient: mail.to, response: info.response },
      });
    return { response: info.response };
  } catch (err) {
    throw translateSmtpError(err, s);
  } finally {
    transport.close();
  }
}

/** nodemailer's error as one of ours (its text is the server's answer, never the password). */
export function translateSmtpError(err: unknown, s: SmtpSettingsRecord): unknown {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    if (err.code.startsWith('SMTP_')) return err; // already ours
  }
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${s.host}:${s.port}`;
  const details = {
    server: where,
    ...(e.code ? { smtpCode: e.code } : {}),
    ...(e.responseCode ? { responseCode: e.responseCode } : {}),
  };
  const answer = e.response ?? e.message ?? String(err);
  // Say what failed when it is TLS: the server's own words ("command not recognized") do not.
  const text =
    e.code === 'ETLS'
      ? `TLS could not be started (security ${s.security}; nothing was sent in clear): ${answer}`
      : answer;
  const make: (m: string, o: { details: Record<string, unknown> }) => KeywardenError =
    e.responseCode !== undefined && e.responseCode >= 500 ? smtpRejected : smtpFailed;
  // No `cause`: the driver's error object carries the SMTP dialogue's last command, and
  // nothing of a login may reach a log or a job record.
  return make(`SMTP server ${where}: ${text}`, { details });
}
