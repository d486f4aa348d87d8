import type { Client, ClientChannel } from 'ssh2';
import { commandFailed } from '../errors';
import type { HelperRunner } from './guarded-helper';
import { countRoundTrip } from './round-trips';
import type { RawExecResult } from './ssh-exec';

interface OpenHelper {
  channel: ClientChannel;
  /** What arrived of the answers, joined once an answer is whole (not once per chunk). */
  chunks: Buffer[];
  received: number;
  /** Once the header of the current answer is read: its code, and where its parts end. */
  header?: { code: number; eol: number; outLength: number; total: number };
  stderr: Buffer[];
  closed: boolean;
  /** Whether it answered a request: a helper that did is not missing. */
  answered: boolean;
  /** Why the controller closed the helper itself. */
  refusal?: Error;
  pending?: { resolve: (r: RawExecResult) => void; reject: (e: unknown) => void };
}

/**
 * The guarded helper as one long-lived process per SSH session (`... serve`), started on
 * first use: a process per call costs a channel, a login shell (root's .bashrc included)
 * and a perl start each time, which made every edit several times slower than the SFTP
 * requests it replaces. Requests go one at a time, in the order they were made.
 */
export class HelperChannel {
  private current: Promise<OpenHelper> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly command: string,
    private readonly timeoutMs = 60_000,
    /** An answer announced larger than this closes the helper: a host cannot flood us. */
    private readonly maxAnswerBytes = MAX_ANSWER_BYTES,
  ) {}

  readonly run: HelperRunner = (args, stdin) => {
    const result = this.queue.then(() => this.request(args, stdin ?? Buffer.alloc(0)));
    this.queue = result.catch(() => undefined);
    return result;
  };

  private async request(args: string[], stdin: Buffer): Promise<RawExecResult> {
    const open = await (this.current ??= this.open());
    if (open.closed) return Promise.reject(stopped(open));
    countRoundTrip('helperRequests');
    const parts: Buffer[] = [Buffer.from(`${args.length}\n`)];
    for (const arg of args) parts.push(Buffer.from(`${Buffer.byteLength(arg)}\n${arg}`));
    parts.push(Buffer.from(`${stdin.length}\n`), stdin);
    return new Promise<RawExecResult>((resolve, reject) => {
      // A helper that does not answer is closed: the close rejects and forgets it.
      const timer = setTimeout(() => open.channel.close(), this.timeoutMs);
      open.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      open.channel.write(Buffer.concat(parts));
    });
  }

  private open(): Promise<OpenHelper> {
    countRoundTrip('execChannels');
    const mine: Promise<OpenHelper> = new Promise((resolve, reject) => {
      // Only this helper's own end forgets it: a newer one may already be starting.
      const forget = () => {
        if (this.current === mine) this.current = undefined;
      };
      this.client.exec(this.command, (err, channel) => {
        if (err) {
          forget();
          reject(err);
          return;
        }
        const open: OpenHelper = {
          channel,
          chunks: [],
          received: 0,
          stderr: [],
          closed: false,
          answered: false,
        };
        channel.on('data', (d: Buffer) => {
          open.chunks.push(d);
          open.received += d.length;
          if (answer(open, this.maxAnswerBytes) === 'too-large') {
            // Refused at once: a host that keeps the channel open cannot hold the call.
            open.closed = true;
            forget();
            open.pending?.reject(open.refusal);
            open.pending = undefined;
            channel.close();
          }
        });
        channel.stderr.on('data', (d: Buffer) => open.stderr.push(d));
        channel.on('close', () => {
          open.closed = true;
          forget(); // the next request starts a new helper
          open.pending?.reject(open.refusal ?? stopped(open));
          open.pending = undefined;
        });
        resolve(open);
      });
    });
    return mine;
  }
}

function stopped(open: OpenHelper) {
  const why = Buffer.concat(open.stderr).toString().trim() || 'no output';
  // `sh: 1: perl: not found`, `sudo: perl: command not found`: a host without perl.
  const missing = !open.answered && /not found/.test(why);
  return commandFailed(`the file helper on the host stopped: ${why}`, {
    details: { stderr: why, ...(missing ? { helperMissing: true } : {}) },
  });
}

/** Whether a call failed because the host cannot run the helper at all (no perl). */
export function isHelperMissing(err: unknown): boolean {
  return (err as { details?: { helperMissing?: unknown } } | null)?.details?.helperMissing === true;
}

/** The largest answer taken from a helper: a batch's bytes, with room for one capped file. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Resolves the pending request once its whole answer has arrived. */
function answer(open: OpenHelper, maxBytes: number): 'too-large' | undefined {
  if (!open.header) {
    const head = Buffer.concat(open.chunks); // a few bytes: the header comes first
    open.chunks = [head];
    const eol = head.indexOf(0x0a);
    if (eol < 0) return head.length > 64 ? refuse(open, 'a malformed answer header') : undefined;
    const [code, outLength = NaN, errLength = NaN] = head
      .subarray(0, eol)
      .toString()
      .split(' ')
      .map(Number);
    const body = outLength + errLength;
    if (!Number.isSafeInteger(body) || outLength < 0 || errLength < 0 || body > maxBytes) {
      return refuse(open, `an answer of ${body} bytes, over the cap of ${maxBytes}`);
    }
    open.header = {
      code: Number.isInteger(code) ? code! : 1,
      eol,
      outLength,
      total: eol + 1 + body,
    };
  }
  const { code, eol, outLength, total } = open.header;
  if (open.received < total || !open.pending) return undefined;
  const all = Buffer.concat(open.chunks, open.received);
  const stdout = Buffer.from(all.subarray(eol + 1, eol + 1 + outLength));
  const stderr = Buffer.from(all.subarray(eol + 1 + outLength, total));
  const rest = Buffer.from(all.subarray(total));
  open.chunks = rest.length > 0 ? [rest] : [];
  open.received = rest.length;
  open.header = undefined;
  const pending = open.pending;
  open.pending = undefined;
  open.answered = true;
  pending.resolve({ code, stdout, stderr });
  return undefined;
}

function refuse(open: OpenHelper, what: string): 'too-large' {
  open.refusal = commandFailed(`the file helper on the host sent ${what}; closed it`, {
    details: { limit: 'helper answer' },
  });
  open.chunks = [];
  open.received = 0;
  return 'too-large';
}
