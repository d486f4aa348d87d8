/**
 * The inbox replies to approval requests arrive in (read by the email-collector robot):
 * checked whole before it is stored, the password sealed with the master key the moment
 * it arrives (as the SMTP and LDAP passwords are), and shown without it. TLS always: from
 * the first byte (`tls`, port 993) or upgraded (`starttls`, port 143, required).
 */
import { invalidInput } from '../../shared/errors';
import type { SecretBox } from '../secrets/secret-box';
import {
  IMAP_SECURITY,
  type ImapSecurity,
  type ImapSettingsRecord,
} from '../store/approval-records';

export const IMAP_PASSWORD_CONTEXT = 'approvals:imap:password';

export interface ImapSettingsInput {
  host: string;
  port?: number;
  security: ImapSecurity;
  username: string;
  /** Absent: keep the stored one. */
  password?: string;
  mailbox?: string;
  processedMailbox?: string | null;
  caCertificate?: string | null;
}

export type ImapSettingsView = Omit<ImapSettingsRecord, 'passwordSealed'> & {
  passwordSet: boolean;
};

const DEFAULT_PORT: Record<ImapSecurity, number> = { tls: 993, starttls: 143 };
const MAILBOX = /^[^\r\n\0*%]{1,200}$/;

const bad = (field: string, value: unknown, expected: string) =>
  invalidInput(`${field}: ${JSON.stringify(value)} is not ${expected}`, {
    details: { field, value, expected },
  });

export function buildImapSettings(
  input: ImapSettingsInput,
  current: ImapSettingsRecord | null,
  box: SecretBox,
  by: string,
  now: number,
): ImapSettingsRecord {
  const host = input.host.trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw bad('host', input.host, 'a host name or address');
  if (!IMAP_SECURITY.includes(input.security))
    throw bad('security', input.security, `one of ${IMAP_SECURITY.join(', ')}`);
  const port = input.port ?? DEFAULT_PORT[input.security];
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw bad('port', input.port, 'a port from 1 to 65535');
  const username = input.username.trim();
  if (!username) throw bad('username', input.username, 'the IMAP login name');
  const mailbox = input.mailbox ?? 'INBOX';
  if (!MAILBOX.test(mailbox)) throw bad('mailbox', mailbox, 'a mailbox name');
  const processed = input.processedMailbox ?? null;
  if (processed !== null && (!MAILBOX.test(processed) || processed === mailbox))
    throw bad('processedMailbox', processed, 'a mailbox name other than the one read');
  const ca = input.caCertificate?.trim() || null;
  if (ca !== null && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(ca))
    throw bad('caCertificate', '(PEM text)', 'PEM certificates (-----BEGIN CERTIFICATE-----)');
  let passwordSealed = current?.passwordSealed ?? null;
  if (input.password !== undefined) {
    if (input.password.length === 0) throw bad('password', '(empty)', 'a non-empty password');
    passwordSealed = box.seal(input.password, IMAP_PASSWORD_CONTEXT);
  }
  if (passwordSealed === null)
    throw invalidInput('password: the IMAP login needs a password', {
      details: { field: 'password', expected: 'the password of the IMAP user' },
    });
  return {
    host,
    port,
    security: input.security,
    username,
    passwordSealed,
    mailbox,
    processedMailbox: processed,
    caCertificate: ca,
    updatedAt: now,
    updatedBy: by,
  };
}

export function imapSettingsView(s: ImapSettingsRecord): ImapSettingsView {
  const { passwordSealed, ...rest } = s;
  return { ...rest, passwordSet: passwordSealed.length > 0 };
}
