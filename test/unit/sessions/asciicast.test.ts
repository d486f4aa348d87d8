import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RECORDING_LIMITS,
  parseAsciicast,
  readRecording,
} from '../../../controller/sessions/text/asciicast';

const HEADER = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1_800_000_000 });

function refusal(text: string, limits = DEFAULT_RECORDING_LIMITS): string {
  try {
    parseAsciicast(text, 'rec.cast', limits);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('RECORDING_INVALID');
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('asciicast v2 reading', () => {
  it('reads the header and the output, input and resize events', () => {
    const parsed = parseAsciicast(
      `${HEADER}\n[0.5, "o", "$ "]\n[1, "i", "l"]\n[1.2, "m", ""]\n[2, "r", "100x30"]\n`,
      'rec.cast',
    );
    expect(parsed.header).toEqual({ width: 80, height: 24, timestamp: 1_800_000_000 });
    expect(parsed.events).toEqual([
      { time: 0.5, code: 'o', data: '$ ' },
      { time: 1, code: 'i', data: 'l' },
      { time: 2, code: 'r', data: '100x30' },
    ]);
  });

  it('refuses what is not asciicast v2, naming the line and what was expected', () => {
    expect(refusal('')).toMatch(/rec\.cast line 1: the file is empty/);
    expect(refusal('{"version": 1, "width": 80, "height": 24}')).toMatch(
      /line 1: version 1 is not supported; expected 2/,
    );
    expect(refusal('{"version": 2, "width": 0, "height": 24}')).toMatch(/width and height/);
    expect(refusal(`${HEADER}\n[0.1, "o", "ok"]\n[0.2, "o"]`)).toMatch(
      /line 3: expected an array \[time, code, data\]/,
    );
    expect(refusal(`${HEADER}\nnot json`)).toMatch(/line 2: not JSON/);
    expect(refusal(`${HEADER}\n[-1, "o", "x"]`)).toMatch(/line 2: time -1 is not a number/);
    expect(refusal(`${HEADER}\n[1, "x", "x"]`)).toMatch(/event code "x" is not one of/);
    expect(refusal(`${HEADER}\n[1, "o", 5]`)).toMatch(/data is not a string/);
    expect(refusal(`${HEADER}\n[1, "r", "wide"]`)).toMatch(/is not COLSxROWS/);
  });

  it('refuses a line over the line-length limit', () => {
    const limits = { ...DEFAULT_RECORDING_LIMITS, maxLineChars: 65 };
    expect(refusal(`${HEADER}\n[1, "o", "${'x'.repeat(60)}"]`, limits)).toMatch(
      /line 2: 72 characters is over the limit of 65/,
    );
  });

  describe('files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kwt-cast-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('refuses a file over the size limit without parsing it', async () => {
      const file = join(dir, 'big.cast');
      await writeFile(file, `${HEADER}\n${'[1, "o", "x"]\n'.repeat(100)}`);
      await expect(
        readRecording({ output: file }, { ...DEFAULT_RECORDING_LIMITS, maxBytes: 500 }),
      ).rejects.toThrow(/big\.cast: \d+ bytes is over the limit of 500/);
    });

    it('refuses more events than the limit across both files', async () => {
      const out = join(dir, 'many.cast');
      await writeFile(out, `${HEADER}\n${'[1, "o", "x"]\n'.repeat(5)}`);
      await expect(
        readRecording({ output: out }, { ...DEFAULT_RECORDING_LIMITS, maxEvents: 4 }),
      ).rejects.toThrow(/5 events is over the limit of 4/);
    });

    it('merges keys kept in a second file onto the output clock, a key before its echo', async () => {
      const out = join(dir, 'o.cast');
      const inp = join(dir, 'i.cast');
      await writeFile(out, `${HEADER}\n[0.5, "o", "$ "]\n[2.0, "o", "l"]\n`);
      const later = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1_800_000_001 });
      await writeFile(inp, `${later}\n[1.0, "i", "l"]\n`);
      const rec = await readRecording({ output: out, input: inp });
      expect(rec.events).toEqual([
        { time: 0.5, code: 'o', data: '$ ' },
        { time: 2, code: 'i', data: 'l' },
        { time: 2, code: 'o', data: 'l' },
      ]);
      expect([rec.outputBytes, rec.inputBytes]).toEqual([3, 1]);
    });
  });
});
