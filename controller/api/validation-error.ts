/** Turns fastify's schema validation failure into a message that names the field. */
interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export function describeValidationError(
  validation: unknown,
  context: string | undefined,
  fallback: string,
): { message: string; details: Record<string, unknown> } {
  const first = Array.isArray(validation) ? (validation[0] as AjvError | undefined) : undefined;
  if (!first) return { message: fallback, details: {} };
  const path = first.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  let expected = first.message ?? 'a valid value';
  if (first.keyword === 'additionalProperties') {
    path.push(String(first.params.additionalProperty));
    expected = 'no such field here';
  } else if (first.keyword === 'required') {
    path.push(String(first.params.missingProperty));
    expected = 'a value (the field is required)';
  }
  const field = path.join('.') || '(whole)';
  const where = context ?? 'request';
  return {
    message: `${where} field ${field}: ${first.keyword === 'additionalProperties' || first.keyword === 'required' ? expected : `must ${expected.replace(/^must /, '')}`}`,
    details: { location: where, field, expected },
  };
}
