import { describe, expect, it } from 'vitest';
import { policyBlock, startOfUtcDay } from '../../../controller/policy/daily-block';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 3);

const evaluation = (
  groups: Record<string, { byPolicy: Record<string, number>; bySeverity: Record<string, number> }>,
) => ({
  hosts: 10,
  findings: 0,
  raise: 0,
  resolve: 0,
  raised: 0,
  resolved: 0,
  ms: 5,
  groups,
});

describe('the policy part of the daily reporting block', () => {
  it('counts per group and in total, and the change since the previous day, a group or policy missing on one side counting 0', () => {
    const yesterday = policyBlock(
      evaluation({
        prod: { byPolicy: { weak: 3, unused: 1 }, bySeverity: { critical: 3, info: 1 } },
        old: { byPolicy: { weak: 1 }, bySeverity: { critical: 1 } },
      }),
      NOW - DAY,
      null,
    );
    expect(yesterday.trends).toBeNull();
    expect(yesterday.totals).toEqual({
      byPolicy: { weak: 4, unused: 1 },
      bySeverity: { critical: 4, info: 1 },
    });
    const today = policyBlock(
      evaluation({
        prod: { byPolicy: { weak: 1, shared: 2 }, bySeverity: { critical: 1, warning: 2 } },
      }),
      NOW,
      { id: 'r1', kind: 'reporting', createdAt: NOW - DAY, data: { policies: yesterday } },
    );
    expect(today.trends).toEqual({
      previousBlockId: 'r1',
      previousAt: NOW - DAY,
      totals: {
        byPolicy: { weak: -3, shared: 2, unused: -1 },
        bySeverity: { critical: -3, warning: 2, info: -1 },
      },
      groups: {
        prod: {
          byPolicy: { weak: -2, shared: 2, unused: -1 },
          bySeverity: { critical: -2, warning: 2, info: -1 },
        },
        old: { byPolicy: { weak: -1 }, bySeverity: { critical: -1 } },
      },
    });
  });

  it('compares with the last block before today (UTC), not an earlier run of today', () => {
    expect(startOfUtcDay(NOW)).toBe(Date.UTC(2026, 10, 30));
  });
});
