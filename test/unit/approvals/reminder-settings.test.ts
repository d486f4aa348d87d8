/** When approval reminders go out: a fraction of a request's wait, checked at start-up. */
import { describe, expect, it } from 'vitest';
import { reminderDueAt } from '../../../controller/approvals/remind-approvals';
import { loadConfig } from '../../../controller/config/load-config';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';

const load = (value?: string) =>
  loadConfig({
    KEYWARDEN_DATA_DIR: '/tmp/x',
    ...(value !== undefined ? { KEYWARDEN_APPROVAL_REMIND_AT: value } : {}),
  });

describe('approval reminder setting', () => {
  it('defaults to 75% of the wait, takes 0 (off) and fractions below 1', () => {
    expect(load().approvalRemindAt).toBe(0.75);
    expect(load('0').approvalRemindAt).toBe(0);
    expect(load('0.5').approvalRemindAt).toBe(0.5);
  });

  it('refuses 1 and more, negatives and words, naming the setting', () => {
    for (const bad of ['1', '1.5', '-0.1', 'soon'])
      expect(() => load(bad), bad).toThrow(
        /KEYWARDEN_APPROVAL_REMIND_AT=.*from 0 \(no reminder\) to below 1/,
      );
  });

  it('is due that fraction of the way from the request to its deadline', () => {
    const r = { createdAt: 1_000, expiresAt: 5_000 } as ApprovalRequestRecord;
    expect(reminderDueAt(r, 0.75)).toBe(4_000);
  });
});
