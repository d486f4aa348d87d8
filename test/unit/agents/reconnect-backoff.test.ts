import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../agent/reconnect-backoff';

describe('reconnectDelayMs', () => {
  it('draws over a window that doubles with each failure, from 1 s, up to the cap', () => {
    const top = (failures: number, cap = 60_000) => reconnectDelayMs(failures, cap, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => top(f))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000,
    ]);
    expect(top(50)).toBe(60_000);
    expect(top(3, 2500)).toBe(2500);
  });

  it('is full jitter: anywhere from zero to the top of the window', () => {
    expect(reconnectDelayMs(3, 60_000, () => 0)).toBe(0);
    expect(reconnectDelayMs(3, 60_000, () => 0.5)).toBe(2000);
  });
});
