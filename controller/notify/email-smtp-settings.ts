/**
 * The SMTP server email goes through: checked whole before it is stored, the password
 * sealed with the master key (it is never stored, logged, returned or audited in clear),
 * and shown without it.
 */
import { invalidInput } from '../../shared/errors';
import type { SecretBox } from '../secrets/secret-box';
import {
  SMTP_SECURITY,
  type SmtpSecurity,
  type SmtpSettingsRecord,
} from '../store/notification-records';

/** The sealing context of the password: a sealed value copied elsewhere does not open. */
export const SMTP_PASSWORD_CONTEXT = 'notify:smtp:password';

export interface SmtpSettingsInput {
  host: string;
  port?: number;
  security: SmtpSecurity;
  username?: string | null;
  /** Absent: keep the stored password; null: remove it. */
  password?: string | null;
  from: string;
  caCertificate?: string | null;
}

/** What the API and the CLI show: whether a password is set, never the password. */
export interface SmtpSettingsView {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  passwordSet: boolean;
  from: string;
  caCertificate: string | null;
  updatedAt: number;
  updatedBy: string;
}

const DEFAULT_PORT: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };

/** An address as SMTP needs it for the envelope: local@domain, no spaces or brackets. */
export const EMAIL_ADDRESS = /^[^\s@<>(),;:"]+@[A-Za-z0-9.-]+\.?[A-Za-z0-9-]*$/;

const bad = (field: string, value: unknown, expected: string) =>
  invalidInput(`${field}: ${JSON.stringify(value)} is not ${expected}`, {
    details: { field, value, expected },
  });

export function buildSmtpSettings(
  input: SmtpSettingsInput,
  current: SmtpSettingsRecord | null,
  box: SecretBox,
  by: string,
  now: number,
): SmtpSettingsRecord {
  const host = input.host.trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw bad('host', input.host, 'a host name or address');
  if (!SMTP_SECURITY.includes(input.security))
    throw bad('security', input.security, `one of ${SMTP_SECURITY.join(', ')}`);
  const port = input.port ?? DEFAULT_PORT[input.security];
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw bad('port', input.port, 'a port from 1 to 65535');
  if (!EMAIL_ADDRESS.test(input.from)) throw bad('from', input.from, 'an email address');
  const username = input.username?.trim() || null;
  const ca = input.caCertificate?.trim() || null;
  if (ca !== null && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(ca))
    throw bad('caCertificate', '(PEM text)', 'PEM certificates (-----BEGIN CERTIFICATE-----)');
  let passwordSealed = current?.passwordSealed ?? null;
  if (input.password === null) passwordSealed = null;
  else if (input.password !== undefined) {
    if (input.password.length === 0) throw bad('password', '(empty)', 'a non-empty password');
    passwordSealed = box.seal(input.password, SMTP_PASSWORD_CONTEXT);
  }
  if (passwordSealed !== null && username === null)
    throw invalidInput('username: a password is set, so a username is needed to log in', {
      details: { field: 'username', expected: 'the SMTP login name' },
    });
  if (input.security === 'none' && passwordSealed !== null)
    throw invalidInput(
      'security: "none" would send the SMTP password in clear; use starttls or tls',
      { details: { field: 'security', value: 'none', expected: 'starttls or tls with a login' } },
    );
  return {
    host,
    port,
    security: input.security,
    username,
    passwordSealed,
    from: input.from,
    caCertificate: ca,
    updatedAt: now,
    updatedBy: by,
  };
}

export function smtpSettingsView(s: SmtpSettingsRecord): SmtpSettingsView {
  const { passwordSealed, ...rest } = s;
  return { ...rest, passwordSet: passwordSealed !== null };
}

/** The domain of the sender address: the right-hand side of every Message-ID. */
export const messageIdDomain = (from: string): string =>
  (from.split('@')[1] ?? 'keywarden.invalid').toLowerCase();
