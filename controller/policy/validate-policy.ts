/**
 * A policy body from an admin, checked field by field: the first wrong field is named with
 * its value and what was expected (`rule.days: must be >= 1, got 0`). Nothing is stored
 * from a body that fails.
 */
import { Value } from '@sinclair/typebox/value';
import { invalidInput } from '../../shared/errors';
import type { PolicyInput, PolicyRuleKind } from '../store/policy-records';
import { PolicyScopeSchema, ruleSchemaOf } from './policy-schema';
import { RULE_KINDS } from './rules';
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

const TopLevel = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enabled: Type.Optional(Type.Boolean()),
    severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
    scope: Type.Optional(PolicyScopeSchema),
    rule: Type.Object({ kind: Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

function firstError(schema: TSchema, value: unknown, prefix: string): void {
  const e = Value.Errors(schema, value).First();
  if (!e) return;
  const path = e.path.replace(/^\//, '').split('/').filter(Boolean);
  let expected = e.message;
  // a choice among words (severity, sshd keyword): say which words
  const choices = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (choices?.every((c) => c.const !== undefined))
    expected = `expected one of ${choices.map((c) => String(c.const)).join(', ')}`;
  // an unknown property: TypeBox's path names it, and the schema is its parent object's
  const parent = e.schema as { additionalProperties?: unknown; properties?: object };
  if (parent.additionalProperties === false && parent.properties) {
    const known = Object.keys(parent.properties);
    if (!known.includes(path.at(-1) ?? ''))
      expected = `no such field here (known: ${known.join(', ')})`;
  }
  const field = [prefix, ...path].filter(Boolean).join('.') || '(whole)';
  throw invalidInput(`policy field ${field}: ${expected}, got ${JSON.stringify(e.value)}`, {
    details: { field, value: e.value as never, expected },
  });
}

export function validatePolicyInput(body: unknown): PolicyInput {
  firstError(TopLevel, body, '');
  const b = body as Record<string, unknown> & { rule: { kind: string } };
  if (!RULE_KINDS.includes(b.rule.kind as PolicyRuleKind))
    throw invalidInput(
      `policy field rule.kind: expected one of ${RULE_KINDS.join(', ')}, got ${JSON.stringify(b.rule.kind)}`,
      { details: { field: 'rule.kind', value: b.rule.kind, expected: RULE_KINDS.join(', ') } },
    );
  const kind = b.rule.kind as PolicyRuleKind;
  firstError(ruleSchemaOf(kind), b.rule, 'rule');
  for (const [i, g] of (
    (b.scope as { hostNames?: string[]; accounts?: string[] } | undefined)?.accounts ?? []
  ).entries())
    if (/\s/.test(g))
      throw invalidInput(
        `policy field scope.accounts.${i}: a pattern has no spaces, got ${JSON.stringify(g)}`,
        {
          details: { field: `scope.accounts.${i}`, value: g },
        },
      );
  return {
    name: b.name as string,
    description: (b.description as string | undefined) ?? '',
    enabled: (b.enabled as boolean | undefined) ?? true,
    severity: b.severity as PolicyInput['severity'],
    scope: (b.scope as PolicyInput['scope'] | undefined) ?? {},
    rule: b.rule as PolicyInput['rule'],
  };
}
