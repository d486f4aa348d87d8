/**
 * Reads asciicast v2 recordings (https://docs.asciinema.org/manual/asciicast/v2/): a JSON
 * header line, then one `[time, code, data]` line per event. The gateway writes output
 * ("o") and input ("i") either into one file or into two (input kept separately); both are
 * merged here on the wall clock the headers give. Everything is bounded: a recording over
 * the limits, or one line of it that is not what the format says, is refused whole with
 * RECORDING_INVALID naming the file, the line and what was expected.
 */
import { readFile, stat } from 'node:fs/promises';
import { recordingInvalid } from '../../../shared/errors';

export interface RecordingLimits {
  /** Bytes of one recording file. */
  maxBytes: number;
  /** Characters of one line of it (one event). */
  maxLineChars: number;
  /** Events across the files of one session. */
  maxEvents: number;
}

export const DEFAULT_RECORDING_LIMITS: RecordingLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxLineChars: 1024 * 1024,
  maxEvents: 2_000_000,
};

export interface RecordingEvent {
  /** Seconds since the start of the recording (the output file's header timestamp). */
  time: number;
  /** o: terminal output; i: keys typed; r: resize to "COLSxROWS". */
  code: 'o' | 'i' | 'r';
  data: string;
}

export interface Recording {
  width: number;
  height: number;
  /** Epoch seconds of the start, from the header (0 when the header has none). */
  timestamp: number;
  events: RecordingEvent[];
  outputBytes: number;
  inputBytes: number;
}

/** Where a session's recording is: the output file, and the input file when kept apart. */
export interface RecordingFiles {
  output: string;
  input?: string | null;
}

interface ParsedFile {
  header: { width: number; height: number; timestamp: number };
  events: RecordingEvent[];
}

const isDim = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000;

/** Parses one asciicast v2 text; `label` names it in errors. */
export function parseAsciicast(
  text: string,
  label: string,
  limits: RecordingLimits = DEFAULT_RECORDING_LIMITS,
): ParsedFile {
  const bad = (line: number, what: string) =>
    recordingInvalid(`${label} line ${line}: ${what}`, { details: { file: label, line } });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw bad(1, 'the file is empty; expected an asciicast v2 header');
  const first = lines[0]!;
  if (first.length > limits.maxLineChars)
    throw bad(1, `${first.length} characters is over the limit of ${limits.maxLineChars}`);
  let header: unknown;
  try {
    header = JSON.parse(first);
  } catch {
    throw bad(1, 'the header is not JSON; expected an asciicast v2 header object');
  }
  const h = header as { version?: unknown; width?: unknown; height?: unknown; timestamp?: unknown };
  if (typeof header !== 'object' || header === null || h.version !== 2)
    throw bad(1, `version ${JSON.stringify(h?.version)} is not supported; expected 2`);
  if (!isDim(h.width) || !isDim(h.height))
    throw bad(1, 'width and height must be whole numbers from 1 to 1000');
  const timestamp =
    typeof h.timestamp === 'number' && Number.isFinite(h.timestamp) ? h.timestamp : 0;
  const events: RecordingEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > limits.maxLineChars)
      throw bad(i + 1, `${line.length} characters is over the limit of ${limits.maxLineChars}`);
    if (line.trim() === '') continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw bad(i + 1, 'not JSON; expected [time, code, data]');
    }
    if (!Array.isArray(ev) || ev.length !== 3)
      throw bad(i + 1, 'expected an array [time, code, data]');
    const [time, code, data] = ev as [unknown, unknown, unknown];
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0)
      throw bad(i + 1, `time ${JSON.stringify(time)} is not a number of seconds >= 0`);
    if (typeof data !== 'string') throw bad(i + 1, 'data is not a string');
    if (code === 'm') continue; // markers carry no terminal content
    if (code !== 'o' && code !== 'i' && code !== 'r')
      throw bad(i + 1, `event code ${JSON.stringify(code)} is not one of o, i, r, m`);
    if (code === 'r' && !/^\d{1,4}x\d{1,4}$/.test(data))
      throw bad(i + 1, `resize ${JSON.stringify(data.slice(0, 20))} is not COLSxROWS`);
    events.push({ time, code, data });
  }
  return { header: { width: h.width, height: h.height, timestamp }, events };
}

async function readBounded(file: string, limits: RecordingLimits): Promise<string> {
  const size = (await stat(file)).size;
  if (size > limits.maxBytes)
    throw recordingInvalid(`${file}: ${size} bytes is over the limit of ${limits.maxBytes}`, {
      details: { file, size },
    });
  return readFile(file, 'utf8');
}

/**
 * Reads a session's recording files into one event list in time order. The input file's
 * times are moved onto the output file's clock by the difference of their header
 * timestamps. At equal times a key comes before output: the echo follows the key.
 */
export async function readRecording(
  files: RecordingFiles,
  limits: RecordingLimits = DEFAULT_RECORDING_LIMITS,
): Promise<Recording> {
  const out = parseAsciicast(await readBounded(files.output, limits), files.output, limits);
  const byTime = (a: RecordingEvent, b: RecordingEvent) => a.time - b.time; // stable
  let events = [...out.events].sort(byTime);
  if (files.input) {
    const inp = parseAsciicast(await readBounded(files.input, limits), files.input, limits);
    const shift =
      out.header.timestamp && inp.header.timestamp
        ? inp.header.timestamp - out.header.timestamp
        : 0;
    const keys = inp.events
      .filter((e) => e.code === 'i')
      .map((e) => ({ ...e, time: Math.max(0, e.time + shift) }))
      .sort(byTime);
    events = mergeKeysFirst(
      events.filter((e) => e.code !== 'i'),
      keys,
    );
  }
  if (events.length > limits.maxEvents)
    throw recordingInvalid(
      `${files.output}: ${events.length} events is over the limit of ${limits.maxEvents}`,
      { details: { file: files.output, events: events.length } },
    );
  let outputBytes = 0;
  let inputBytes = 0;
  for (const e of events) {
    if (e.code === 'o') outputBytes += Buffer.byteLength(e.data);
    else if (e.code === 'i') inputBytes += Buffer.byteLength(e.data);
  }
  return { ...out.header, events, outputBytes, inputBytes };
}

/** Merges two time-ordered lists; at equal times the key comes first (its echo follows it). */
function mergeKeysFirst(output: RecordingEvent[], keys: RecordingEvent[]): RecordingEvent[] {
  const merged: RecordingEvent[] = [];
  let i = 0;
  let k = 0;
  while (i < output.length || k < keys.length) {
    const o = output[i];
    const key = keys[k];
    if (key && (!o || key.time <= o.time)) {
      merged.push(key);
      k++;
    } else if (o) {
      merged.push(o);
      i++;
    }
  }
  return merged;
}
