import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { invalidInput } from '../../shared/errors';
import { strictSchema } from './strict-schema';

/**
 * Checks job params against the type's schema and says which field is wrong, what it
 * held and what was expected. Defaults declared in the schema are filled in.
 */
export function validateParams(type: string, declared: TSchema, params: unknown): unknown {
  const schema = strictSchema(declared);
  const value = Value.Default(schema, Value.Clone(params ?? {}));
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const field = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(params)';
  throw invalidInput(
    `invalid params for job type ${type}: ${field}: ${first?.message ?? 'does not match the schema'}` +
      (first ? ` (got ${JSON.stringify(first.value)})` : ''),
    { details: { jobType: type, field, value: first?.value, expected: first?.message } },
  );
}
