import { describe, expect, it } from 'vitest';
import { newId } from '../../../controller/store/ids';

describe('newId', () => {
  it('keeps ids of one millisecond in creation order when a past-dated id is made between them', () => {
    // a millisecond no other test in this worker used; 20 rounds, as a tie in the 4 ordered
    // hex digits would leave the order to the random part (one chance in two per round)
    const t = Date.now() + 10_000_000;
    const made: string[] = [];
    for (let i = 0; i < 20; i++) {
      made.push(newId(t));
      newId(t - 60_000); // e.g. an audit entry dated a minute ago
    }
    expect(made.toSorted()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('keeps ids made for one past millisecond in creation order', () => {
    const now = Date.now() + 20_000_000;
    newId(now);
    const past = now - 3_600_000;
    const made = Array.from({ length: 20 }, () => newId(past));
    expect(made.toSorted()).toEqual(made);
  });
});
