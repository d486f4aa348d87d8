import { describe, expect, it } from 'vitest';
import { matchPattern, matchPatternList } from '../../../shared/ssh/patterns';
import { prng } from './fuzz';

/** OpenSSH's match_pattern, written the obvious way: exact, and fine for short inputs. */
function reference(text: string, pattern: string): boolean {
  if (pattern === '') return text === '';
  const [p, ...rest] = pattern;
  const tail = rest.join('');
  if (p === '*') {
    for (let i = 0; i <= text.length; i++) if (reference(text.slice(i), tail)) return true;
    return false;
  }
  return text !== '' && (p === '?' || p === text[0]) && reference(text.slice(1), tail);
}

describe('OpenSSH patterns', () => {
  it('matches * and ? over whole strings as match_pattern does', () => {
    const cases: [string, string, boolean][] = [
      ['sshd_config.d', '*', true],
      ['', '*', true],
      ['', '?', false],
      ['10.conf', '*.conf', true],
      ['10.conf.bak', '*.conf', false],
      ['alice', 'al?ce', true],
      ['alice', 'al*e', true],
      ['alice', 'a*c*e', true],
      ['alice', 'a*x*e', false],
      ['a.b', 'a.b', true],
      ['axb', 'a.b', false],
      ['a+b(c)', 'a+b(c)', true],
      ['abab', '*ab', true],
      ['aab', '*a*b', true],
      ['x', '**x**', true],
    ];
    for (const [text, pattern, want] of cases)
      expect([text, pattern, matchPattern(text, pattern)]).toEqual([text, pattern, want]);
    expect(matchPatternList('alice', 'bob,a*', false)).toBe(1);
    expect(matchPatternList('alice', 'a*,!alice', false)).toBe(-1);
    expect(matchPatternList('ALICE', 'alice', true)).toBe(1);
  });

  it('agrees with the exhaustive definition on random short inputs', () => {
    const rand = prng(7);
    const pick = (alphabet: string, max: number) =>
      Array.from(
        { length: Math.floor(rand() * max) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
    for (let n = 0; n < 20_000; n++) {
      const text = pick('ab.', 9);
      const pattern = pick('ab.*?', 7);
      if (matchPattern(text, pattern) !== reference(text, pattern)) {
        expect({ text, pattern, got: matchPattern(text, pattern) }).toEqual({
          text,
          pattern,
          got: reference(text, pattern),
        });
      }
    }
  });

  // A backtracking regex (what was used) takes time growing as the name length to the
  // power of the stars: tens of seconds for this 60-character name, minutes for longer ones.
  it('takes linear-bounded time on a pathological pattern against a long name', () => {
    let started = performance.now();
    expect(matchPattern('a'.repeat(60), '*a*a*a*a*a*a*a*b')).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    started = performance.now();
    expect(matchPattern('a'.repeat(100_000), '*a*a*a*a*a*a*a*b')).toBe(false);
    expect(matchPattern(`${'a'.repeat(100_000)}b`, '*a*a*a*a*a*a*a*b')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
