/**
 * Credentials inside job params (a host job's `connection.password` / `privateKey`). A params
 * schema marks such a field with `Sealed(...)`; the job queue seals the value before the job
 * is stored, so no record holds it in clear: the stored form is `{ sealed: "kw1:..." }`.
 * A child job never gets a copy: its field holds `{ sealedRef }`, naming the ancestor's
 * sealed value by digest. Only the executor that opens the SSH connection calls
 * `JobSecrets.open`; everything shown to people goes through `redactSealed`.
 */
import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { KeywardenError } from '../../shared/errors';
import { credentialUnreadable, internalError, invalidInput } from '../../shared/errors';
import type { JobRecord } from '../store/records';
import type { SecretBox } from './secret-box';

/** The schema keyword that marks a secret field. */
export const SECRET_MARK = 'x-keywarden-secret';
/** What API responses and audit entries show in place of a sealed value. */
export const REDACTED = '[sealed]';

const SealedValue = Type.Object(
  { sealed: Type.String({ pattern: '^kw1:' }) },
  { additionalProperties: false },
);
const SealedRef = Type.Object(
  { sealedRef: Type.String({ pattern: '^[0-9a-f]{24}$' }) },
  { additionalProperties: false },
);

/**
 * A secret param: given in clear (over the API's TLS or by code), stored sealed. The two
 * object forms are what the store holds; the queue refuses them as input (see sealParams).
 */
export function Sealed<T extends TSchema>(plain: T) {
  return Type.Union([plain, SealedValue, SealedRef], {
    [SECRET_MARK]: true,
    description: 'write only: sealed when the job is queued, never returned',
  });
}

type Json = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Json =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
const isSealedValue = (v: unknown): v is { sealed: string } =>
  isPlainObject(v) && typeof v.sealed === 'string' && Object.keys(v).length === 1;
const isSealedRef = (v: unknown): v is { sealedRef: string } =>
  isPlainObject(v) && typeof v.sealedRef === 'string' && Object.keys(v).length === 1;
const SEALED_STRING = /^kw1:[0-9a-f]{12}:[A-Za-z0-9+/=]+$/;

/** The additional data a sealed param is bound to: where it sits in its job's params. */
const contextOf = (path: string[]) => `job-param:${path.join('.')}`;
const digestOf = (sealed: string) => createHash('sha256').update(sealed).digest('hex').slice(0, 24);

/** Walks `value` along `schema`, replacing each value at a marked field by `visit`'s answer. */
function mapMarked(
  schema: TSchema,
  value: unknown,
  path: string[],
  visit: (v: unknown, path: string[]) => unknown,
): unknown {
  const s = schema as Json;
  if (s[SECRET_MARK] === true) return value === undefined ? value : visit(value, path);
  if (Array.isArray(value) && s.items && typeof s.items === 'object' && !Array.isArray(s.items))
    return value.map((v, i) => mapMarked(s.items as TSchema, v, [...path, String(i)], visit));
  if (isPlainObject(value) && isPlainObject(s.properties)) {
    const props = s.properties;
    const out: Json = {};
    for (const [k, v] of Object.entries(value))
      out[k] = props[k] ? mapMarked(props[k] as TSchema, v, [...path, k], visit) : v;
    return out;
  }
  if (Array.isArray(s.anyOf)) {
    const branch = (s.anyOf as TSchema[]).find((b) => Value.Check(b, value));
    return branch ? mapMarked(branch, value, path, visit) : value;
  }
  if (Array.isArray(s.allOf))
    return (s.allOf as TSchema[]).reduce((v, b) => mapMarked(b, v, path, visit), value);
  return value;
}

/**
 * Seals every marked field of validated params. A sealed value given as input is refused
 * (it would let a caller aim someone else's credential at a host of their choosing); a
 * reference to an ancestor's value is accepted for a child job only.
 */
export function sealParams(
  type: string,
  schema: TSchema,
  params: unknown,
  box: SecretBox | undefined,
  opts: { child: boolean },
): unknown {
  return mapMarked(schema, params, [], (v, path) => {
    const field = path.join('.');
    if (typeof v === 'string') {
      if (!box)
        throw internalError(
          `job params of ${type} hold a credential (${field}) but this job queue has no master key to seal it`,
        );
      return { sealed: box.seal(v, contextOf(path)) };
    }
    if (isSealedRef(v) && opts.child) return v;
    throw invalidInput(
      `invalid params for job type ${type}: ${field}: give the secret itself; a sealed value is not accepted`,
      { details: { jobType: type, field, expected: 'the secret as a string' } },
    );
  });
}

/** A child's copy of its parent's params: each sealed value becomes a reference to it. */
export function referToParentSecrets(params: unknown): unknown {
  if (isSealedValue(params)) return { sealedRef: digestOf(params.sealed) };
  if (Array.isArray(params)) return params.map(referToParentSecrets);
  if (isPlainObject(params))
    return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, referToParentSecrets(v)]));
  return params;
}

/** Every sealed value, sealed string and reference in `value` replaced by "[sealed]". */
export function redactSealed<T>(value: T): T {
  return redact(value) as T;
}

/** A connection's credential fields, also when a record from before sealing holds them in clear. */
const CONNECTION_SECRETS = new Set(['password', 'privateKey']);

function redact(v: unknown, secretField = false): unknown {
  if (typeof v === 'string') return secretField || SEALED_STRING.test(v) ? REDACTED : v;
  if (isSealedValue(v) || isSealedRef(v)) return REDACTED;
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (isPlainObject(v))
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        k === 'connection' && isPlainObject(x)
          ? Object.fromEntries(
              Object.entries(x).map(([ck, cx]) => [ck, redact(cx, CONNECTION_SECRETS.has(ck))]),
            )
          : redact(x),
      ]),
    );
  return v;
}

/** How far up a reference is looked for (fan-out parents are one level; batches two). */
const MAX_ANCESTORS = 8;

/** Opens a job's sealed params, for the executor that must log in with them. */
export class JobSecrets {
  constructor(
    private readonly box: SecretBox,
    private readonly jobs: { get(id: string): Promise<JobRecord | null> },
  ) {}

  /** The job's params with every sealed value and reference opened. */
  async open(job: Pick<JobRecord, 'id' | 'params' | 'parentId'>): Promise<unknown> {
    const refs = new Set<string>();
    collect(job.params, (v) => isSealedRef(v) && refs.add(v.sealedRef));
    const inherited = refs.size > 0 ? await this.fromAncestors(job, refs) : new Map();
    return this.openIn(job.params, [], (ref) => {
      const found = inherited.get(ref);
      if (found === undefined)
        throw unreadable(
          `job ${job.id} refers to a credential of its parent job that no longer exists`,
          job.id,
        );
      return found;
    });
  }

  private openIn(v: unknown, path: string[], byRef: (ref: string) => string): unknown {
    if (isSealedValue(v)) return this.box.open(v.sealed, contextOf(path));
    if (isSealedRef(v)) return byRef(v.sealedRef);
    if (Array.isArray(v)) return v.map((x, i) => this.openIn(x, [...path, String(i)], byRef));
    if (isPlainObject(v))
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, this.openIn(x, [...path, k], byRef)]),
      );
    return v;
  }

  /** Opens, in the job's ancestors, the sealed values the references name. */
  private async fromAncestors(
    job: Pick<JobRecord, 'id' | 'parentId'>,
    refs: Set<string>,
  ): Promise<Map<string, string>> {
    const opened = new Map<string, string>();
    let parentId = job.parentId;
    for (let depth = 0; parentId && depth < MAX_ANCESTORS && opened.size < refs.size; depth++) {
      const parent = await this.jobs.get(parentId);
      if (!parent) break;
      walkWithPath(parent.params, [], (v, path) => {
        if (!isSealedValue(v)) return;
        const d = digestOf(v.sealed);
        if (refs.has(d) && !opened.has(d)) opened.set(d, this.box.open(v.sealed, contextOf(path)));
      });
      parentId = parent.parentId;
    }
    return opened;
  }
}

function collect(v: unknown, visit: (v: unknown) => unknown): void {
  walkWithPath(v, [], (x) => visit(x));
}

function walkWithPath(v: unknown, path: string[], visit: (v: unknown, path: string[]) => void) {
  visit(v, path);
  if (Array.isArray(v)) v.forEach((x, i) => walkWithPath(x, [...path, String(i)], visit));
  else if (isPlainObject(v))
    for (const [k, x] of Object.entries(v)) walkWithPath(x, [...path, k], visit);
}

function unreadable(message: string, jobId: string): KeywardenError {
  return credentialUnreadable(message, {
    details: { jobId },
  });
}
