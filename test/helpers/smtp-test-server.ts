/**
 * A real SMTP server on loopback for tests (smtp-server, from the nodemailer project):
 * STARTTLS with a certificate made now by a test CA (the controller's own CA code), and
 * AUTH required (smtp-server refuses AUTH before TLS, so every login is encrypted).
 * A message counts as received only when the server answered 250 to its data on a live
 * connection, as a real MTA accepts it. `stallNextData()` makes the server read the next
 * message's data whole and then hold its answer: a client killed then never gets its 250,
 * the connection closes and that copy is dropped, as RFC 5321 says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  issueServerCertificate,
  loadOrCreateCa,
} from '../../controller/agents/certificate-authority';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The session was on TLS (STARTTLS) and logged in as this user. */
  secure: boolean;
  user: string | undefined;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpTestServer {
  port: number;
  /** The PEM of the CA that signed the server's certificate. */
  caPem: string;
  received: ReceivedMail[];
  /** Messages whose data arrived while stalled and whose connection closed before a 250. */
  dropped: ReceivedMail[];
  /** Failed AUTH attempts (wrong user or password). */
  authFailures: number;
  /** The next DATA is read whole and then not answered; resolves when it has arrived. */
  stallNextData(): Promise<ReceivedMail>;
  /** Answers the next message's data with this reply code and text instead of 250. */
  failNextData(code: number, text: string): void;
  close(): Promise<void>;
}

export async function startSmtpTestServer(opts: {
  username: string;
  password: string;
  /** A server that does not offer STARTTLS (nor, so, AUTH): a client requiring TLS must refuse it. */
  withoutStartTls?: boolean;
}): Promise<SmtpTestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-smtp-'));
  const ca = await loadOrCreateCa(dir);
  const cert = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
  const received: ReceivedMail[] = [];
  const dropped: ReceivedMail[] = [];
  let authFailures = 0;
  let stall: ((m: ReceivedMail) => void) | null = null;
  let failNext: { code: number; text: string } | null = null;
  const server = new SMTPServer({
    key: cert.keyPem,
    cert: cert.certPem,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: opts.withoutStartTls ? ['STARTTLS', 'AUTH'] : [],
    ...(opts.withoutStartTls ? { hideSTARTTLS: true, authOptional: true } : {}),
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.username && auth.password === opts.password)
        return cb(null, { user: auth.username });
      authFailures++;
      const err = new Error('authentication failed') as Error & { responseCode: number };
      err.responseCode = 535;
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: session.user,
            raw,
            parsed,
          };
          if (stall) {
            const notify = stall;
            stall = null;
            // Never answered: the client waits for its 250 until it is killed.
            stalled.set(session.id, mail);
            notify(mail);
            return;
          }
          if (failNext) {
            const f = failNext;
            failNext = null;
            const err = new Error(f.text) as Error & { responseCode: number };
            err.responseCode = f.code;
            return cb(err);
          }
          received.push(mail);
          cb(null, 'queued as test');
        });
      });
    },
    onClose(session) {
      const mail = stalled.get(session.id);
      if (mail) {
        stalled.delete(session.id);
        dropped.push(mail);
      }
    },
  });
  const stalled = new Map<string, ReceivedMail>();
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    caPem: ca.certPem,
    received,
    dropped,
    get authFailures() {
      return authFailures;
    },
    stallNextData: () =>
      new Promise<ReceivedMail>((resolve) => {
        stall = resolve;
      }),
    failNextData: (code, text) => {
      failNext = { code, text };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
