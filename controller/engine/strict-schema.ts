import type { TSchema } from '@sinclair/typebox';

const cache = new WeakMap<TSchema, TSchema>();

/**
 * A copy of a params schema in which every object refuses properties it does not
 * declare (unless it says otherwise): a misspelt option must be an error the caller
 * sees, not a setting silently ignored. Object spread keeps TypeBox's symbol keys.
 */
export function strictSchema(schema: TSchema): TSchema {
  const hit = cache.get(schema);
  if (hit) return hit;
  const copy = strictCopy(schema) as TSchema;
  cache.set(schema, copy);
  return copy;
}

function strictCopy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictCopy);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string | symbol, unknown> = { ...(node as Record<string | symbol, unknown>) };
  for (const key of Object.keys(out)) out[key] = strictCopy(out[key]);
  if (out.type === 'object' && out.properties !== undefined && !('additionalProperties' in out)) {
    out.additionalProperties = false;
  }
  return out;
}
