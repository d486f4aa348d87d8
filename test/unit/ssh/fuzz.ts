/** Seeded mutation fuzzing for the lossless parsers: same seed, same cases, every run. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  '"',
  '\\',
  ',',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '#',
  '=',
  '@',
  '|',
  '!',
  '*',
  'a',
  '\u00e9',
  '\0',
];

/** `count` inputs built from `seeds` lines joined with LF or CRLF, then randomly mutated. */
export function* mutatedInputs(
  seed: number,
  seeds: readonly string[],
  count: number,
): Generator<string> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  for (let n = 0; n < count; n++) {
    const parts = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(seeds));
    let text = parts.join(pick(['\n', '\r\n']));
    if (rand() < 0.5) text += pick(['\n', '\r\n', '\r']);
    const mutations = Math.floor(rand() * 6);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(rand() * (text.length + 1));
      const op = rand();
      if (op < 0.4) text = text.slice(0, at) + pick(ALPHABET) + text.slice(at);
      else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
      else
        text =
          text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x3000)) + text.slice(at);
    }
    yield text;
  }
}
