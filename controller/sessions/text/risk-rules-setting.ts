/**
 * The commandRiskRules setting: a JSON array of {id, pattern, score, reason}. Each pattern
 * must compile as a regular expression; a rule with a built-in id replaces that rule.
 */
import { settingFailure as fail } from '../../../shared/config/settings-parser';
import type { SettingParse } from '../../../shared/config/settings-parser';
import type { RiskRule } from './risk-rules';

const EXPECTED =
  'a JSON array of rules {"id": "site.rule", "pattern": "regular expression", "score": 0-100, "reason": "text"}';

export const parseRiskRules: SettingParse<readonly RiskRule[]> = (raw, name) => {
  let list: unknown;
  try {
    list = JSON.parse(raw.trim());
  } catch {
    return fail(name, raw, EXPECTED);
  }
  if (!Array.isArray(list) || list.length > 500) return fail(name, raw, EXPECTED);
  const rules: RiskRule[] = [];
  for (const [i, r] of list.entries()) {
    const rule = r as Partial<RiskRule> | null;
    const at = `${name}[${i}]`;
    if (typeof rule !== 'object' || rule === null) return fail(at, JSON.stringify(r), EXPECTED);
    if (typeof rule.id !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(rule.id))
      return fail(`${at}.id`, String(rule.id), 'lower-case letters, digits, ".", "_" or "-"');
    if (typeof rule.pattern !== 'string' || rule.pattern === '' || rule.pattern.length > 1000)
      return fail(
        `${at}.pattern`,
        String(rule.pattern),
        'a regular expression of 1 to 1000 characters',
      );
    try {
      new RegExp(rule.pattern, 'i');
    } catch (err) {
      return fail(
        `${at}.pattern`,
        rule.pattern,
        `a valid regular expression (${(err as Error).message})`,
      );
    }
    if (
      typeof rule.score !== 'number' ||
      !Number.isInteger(rule.score) ||
      rule.score < 0 ||
      rule.score > 100
    )
      return fail(`${at}.score`, String(rule.score), 'a whole number from 0 to 100');
    if (typeof rule.reason !== 'string' || rule.reason.trim() === '' || rule.reason.length > 200)
      return fail(`${at}.reason`, String(rule.reason), 'a text of 1 to 200 characters');
    rules.push(
      Object.freeze({ id: rule.id, pattern: rule.pattern, score: rule.score, reason: rule.reason }),
    );
  }
  return Object.freeze(rules);
};
