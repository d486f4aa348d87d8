import { describe, expect, it } from 'vitest';
import { nextDueAfter, roundIdOf } from '../../../controller/access-reviews/open-rounds';

const DAY = 86_400_000;
const T = 1_800_000_000_000;

describe('when the next access review round is due', () => {
  it('is one period after the due time of the round just opened', () => {
    expect(nextDueAfter(90 * DAY, T, T + 5 * 60_000)).toBe(T + 90 * DAY);
  });

  it('does not make up rounds missed while the controller was down: one opens, the period counts on', () => {
    expect(nextDueAfter(90 * DAY, T, T + 200 * DAY)).toBe(T + 270 * DAY);
    expect(nextDueAfter(90 * DAY, T, T + 180 * DAY)).toBe(T + 270 * DAY);
  });

  it('names a round by its campaign and due time, so rounds sort by due time', () => {
    expect(roundIdOf('c1', T)).toBe(`${T.toString(16).padStart(12, '0')}-c1`);
    expect(roundIdOf('c1', T) < roundIdOf('c0', T + 1)).toBe(true);
  });
});
