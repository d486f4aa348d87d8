/**
 * The policy as the API takes and returns it (OpenAPI). The rule is a union with one
 * member per kind, built from the rules' own parameter schemas; validate-policy.ts checks
 * a body against the member its `kind` names, so an error names the field, not the union.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { RULES } from './rules';

const Glob = Type.String({ minLength: 1, maxLength: 200 });

export const PolicyScopeSchema = Type.Object(
  {
    groupIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })),
    hostNames: Type.Optional(
      Type.Array(Glob, { maxItems: 100, description: 'glob patterns (* and ?) of host names' }),
    ),
    accounts: Type.Optional(
      Type.Array(Glob, { maxItems: 100, description: 'glob patterns (* and ?) of account names' }),
    ),
    applicationIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        maxItems: 1000,
        description: 'applications (internal-applications-update memberships) the policy covers',
      }),
    ),
  },
  { additionalProperties: false, description: 'absent fields do not narrow' },
);

/** One object schema per rule kind: `kind` plus that rule's parameters. */
export const ruleSchemaOf = (kind: keyof typeof RULES): TSchema => {
  const params = RULES[kind].params as unknown as {
    properties?: Record<string, TSchema>;
    required?: string[];
  };
  return Type.Object(
    { kind: Type.Literal(kind), ...(params.properties ?? {}) },
    { additionalProperties: false },
  );
};

export const PolicyRuleSchema = Type.Union(
  (Object.keys(RULES) as Array<keyof typeof RULES>).map(ruleSchemaOf),
  { description: 'the rule: `kind` says which, the other fields are its parameters' },
);

export const PolicyInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
    scope: Type.Optional(PolicyScopeSchema),
    rule: PolicyRuleSchema,
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  severity: Type.String(),
  scope: PolicyScopeSchema,
  rule: PolicyRuleSchema,
  version: Type.Integer(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  updatedBy: Type.String(),
  removedAt: Type.Union([Type.Integer(), Type.Null()]),
  explanation: Type.Optional(Type.String()),
});
