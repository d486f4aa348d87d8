import { describe, expect, it } from 'vitest';
import { boundLog } from '../../../controller/sessions/text/bound-log';
import type { LoggedCommand, SessionLog } from '../../../controller/sessions/text/session-log';

const command = (seq: number, output: string, screens: string[] = []): LoggedCommand => ({
  seq,
  prompt: '$',
  command: `cmd-${seq}`,
  output,
  screens,
  keys: 'typed 5 characters',
  startedAt: seq,
  endedAt: seq,
  truncated: false,
});
const log = (commands: LoggedCommand[]): SessionLog => ({
  version: 1,
  commands,
  width: 80,
  height: 24,
  outputBytes: 0,
  inputBytes: 0,
  startedAt: 0,
  endedAt: 0,
});

describe('bounding a readable log to what one record holds', () => {
  it('leaves a log within the bound as it is', () => {
    const small = log([command(0, 'hello')]);
    expect(boundLog(small, 10_000)).toBe(small);
  });

  it('drops screens first, then keeps the start and end of long outputs, marking what was cut', () => {
    const big = log([
      command(0, `START${'x'.repeat(60_000)}END`, ['screen one', 'screen two']),
      command(1, 'short output'),
    ]);
    const bounded = boundLog(big, 40_000);
    expect(JSON.stringify(bounded).length).toBeLessThanOrEqual(40_000);
    const [first, second] = bounded.commands;
    expect(first?.screens).toEqual(['screen two']);
    expect(first?.output).toMatch(/^STARTx+\n\[… \d+ characters omitted …\]\nx+END$/);
    expect(first?.truncated).toBe(true);
    expect(second).toEqual(command(1, 'short output'));
    expect(bounded.commands.map((c) => c.command)).toEqual(['cmd-0', 'cmd-1']);
  });
});
