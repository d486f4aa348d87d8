import { commandFailed } from '../errors';
import type { RawExecResult } from './ssh-exec';

/**
 * The wire format of a helper batch, the same framing `serve` uses for one request: a count,
 * then per request the number of arguments, each argument and the (empty) input as
 * `<bytes>\n<bytes>`. The answer is one `<code> <out bytes> <err bytes>\n<out><err>` per request.
 */
export function encodeBatch(requests: readonly string[][]): Buffer {
  const field = (v: string) => `${Buffer.byteLength(v)}\n${v}`;
  const parts = [field(String(requests.length))];
  for (const args of requests)
    parts.push(field(String(args.length)), ...args.map(field), field(''));
  return Buffer.from(parts.join(''));
}

/** The answers of a batch of `count` requests; a malformed answer is refused whole. */
export function decodeBatchAnswer(out: Buffer, count: number): RawExecResult[] {
  const answers: RawExecResult[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(0x0a, at);
    const header = eol < 0 ? '' : out.subarray(at, eol).toString();
    const m = /^(\d+) (\d+) (\d+)$/.exec(header);
    const end = m ? eol + 1 + Number(m[2]) + Number(m[3]) : Infinity;
    if (!m || end > out.length) {
      throw commandFailed(`the file helper's answer to a batch is malformed at request ${i + 1}`, {
        details: { count, answered: i },
      });
    }
    const outEnd = eol + 1 + Number(m[2]);
    answers.push({
      code: Number(m[1]),
      stdout: out.subarray(eol + 1, outEnd),
      stderr: out.subarray(outEnd, end),
    });
    at = end;
  }
  return answers;
}
