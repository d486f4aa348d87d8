/**
 * Migration 4: credentials stored in clear before job params were sealed. Job params
 * lose every `password` / `privateKey` string of a `connection` (a job queued before the
 * upgrade with one must be started again: the credential cannot be sealed here, migrations
 * have no master key); `job.start` audit entries keep where it was, as "[removed]".
 * secure_delete makes SQLite zero the space the old values occupied instead of leaving
 * them in free pages of the file.
 */
const SECRET_IN = (source: string, skip: string) => `
  SELECT t.fullkey FROM json_tree(${source}) t
   WHERE t.key IN ('password', 'privateKey') AND t.type = 'text'
     AND t.path LIKE '%.connection' ${skip}`;

/** Rewrites `column` of `table` until no clear credential is left in it, one at a time. */
function scrub(table: string, column: string, rewrite: (fullkey: string) => string, skip = '') {
  return `
    WITH RECURSIVE scrub(id, doc, n) AS (
      SELECT id, ${column}, 0 FROM ${table}
       WHERE json_valid(${column}) AND EXISTS (${SECRET_IN(`${table}.${column}`, skip)})
      UNION ALL
      SELECT id, ${rewrite(`(${SECRET_IN('scrub.doc', skip)} LIMIT 1)`)}, n + 1 FROM scrub
       WHERE EXISTS (${SECRET_IN('scrub.doc', skip)})
    )
    UPDATE ${table}
       SET ${column} = (SELECT s.doc FROM scrub s WHERE s.id = ${table}.id ORDER BY s.n DESC LIMIT 1)
     WHERE id IN (SELECT id FROM scrub);`;
}

export const legacySecretsMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 4,
    name: 'remove credentials stored in clear in job params and job.start audit entries',
    sql: `
      PRAGMA secure_delete = ON;
      ${scrub('jobs', 'params', (k) => `json_remove(doc, ${k})`)}
      ${scrub('audit', 'details', (k) => `json_set(doc, ${k}, '[removed]')`, "AND t.atom != '[removed]'")}
    `,
  },
];
