import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGES_PER_SECOND,
  parseTerminalMessage,
  TerminalRate,
  terminalSize,
} from '../../../controller/api/web-terminal-messages';

const text = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe("the web terminal's messages", () => {
  it('takes input and resizes within bounds, and names what is wrong with anything else', () => {
    expect(parseTerminalMessage(text({ type: 'input', data: 'ls\r' }), false)).toEqual({
      ok: true,
      type: 'input',
      data: 'ls\r',
    });
    expect(parseTerminalMessage(text({ type: 'resize', cols: 132, rows: 43 }), false)).toEqual({
      ok: true,
      type: 'resize',
      cols: 132,
      rows: 43,
    });
    expect(parseTerminalMessage(text({ type: 'resize', cols: 0, rows: 43 }), false)).toEqual({
      ok: false,
      reason: 'a resize needs whole cols 1-1000 and rows 1-500, not {"cols":0,"rows":43}',
    });
    expect(parseTerminalMessage(text({ type: 'resize', cols: 80.5, rows: 24 }), false).ok).toBe(
      false,
    );
    expect(parseTerminalMessage(text('{'), false)).toEqual({
      ok: false,
      reason: 'a terminal message was not JSON',
    });
    expect(parseTerminalMessage(text({ type: 'exec', data: 'id' }), false)).toEqual({
      ok: false,
      reason: 'unknown terminal message "exec": expected input or resize',
    });
    expect(parseTerminalMessage(text({ type: 'input', data: 'x' }), true).ok).toBe(false);
  });

  it('takes the size from the URL only within bounds', () => {
    const fallback = { cols: 80, rows: 24 };
    expect(terminalSize('120', '40', fallback)).toEqual({ cols: 120, rows: 40 });
    expect(terminalSize('5000', 'x', fallback)).toEqual(fallback);
    expect(terminalSize(undefined, undefined, fallback)).toEqual(fallback);
  });

  it('refuses more messages or bytes in a second than a person types or pastes', () => {
    let now = 0;
    const rate = new TerminalRate(() => now);
    for (let i = 0; i < MAX_MESSAGES_PER_SECOND; i++) expect(rate.count(10)).toBeNull();
    expect(rate.count(10)).toContain('more than 200 messages or 256 KiB in a second');
    now += 1000;
    expect(rate.count(200 * 1024)).toBeNull();
    expect(rate.count(100 * 1024)).toContain('256 KiB');
  });
});
