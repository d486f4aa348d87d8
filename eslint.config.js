// Lint rules that carry the conventions: no floating promises, type-only imports,
// no import cycles, and the layer boundaries (NEVER below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/**
 * The "never" arrows of design.md and docs/architecture.md, one line each: files under the
 * first folder must not import from the folders listed. A relative import is matched by
 * its folder name, so `../agents/x` from controller/jobs is caught as controller/agents.
 */
const NEVER = [
  ['shared', ['controller', 'agent']],
  ['agent', ['controller']],
  // The CLI is a client of the HTTP API only.
  [
    'controller/cli',
    ['store', 'engine', 'jobs', 'agents', 'agentless', 'hosts', 'api', 'inventory'],
  ],
  // The store knows no caller.
  ['controller/store', ['engine', 'jobs', 'api', 'agents', 'agentless', 'hosts', 'intake', 'cli']],
  // The engine knows job types only through the registry it is given.
  [
    'controller/engine',
    ['jobs', 'api', 'agents', 'agentless', 'intake', 'cli', 'store/sqlite', 'store/mongodb'],
  ],
  // Jobs see ctx and the repositories: never a host driver, an adapter or the API.
  [
    'controller/jobs',
    ['agents', 'agentless', 'hosts', 'api', 'cli', 'store/sqlite', 'store/mongodb'],
  ],
  // The rooms jobs and routes call into serve both; they call back into neither.
  ['controller/intake', ['jobs', 'api', 'cli', 'engine']],
  ['controller/secrets', ['jobs', 'api', 'cli', 'engine', 'agents', 'agentless', 'hosts']],
  ['controller/host-states', ['jobs', 'api', 'cli', 'engine', 'agents', 'agentless', 'hosts']],
  ['controller/enrollment', ['jobs', 'api', 'cli', 'engine']],
  ['controller/api', ['store/sqlite', 'store/mongodb', 'cli']],
  // Host drivers never call back into jobs or the API.
  ['controller/hosts', ['jobs', 'api', 'cli']],
  ['controller/agents', ['jobs', 'api', 'cli']],
  ['controller/agentless', ['jobs', 'api', 'cli']],
  ['controller/inventory', ['jobs', 'api', 'cli', 'agents', 'agentless']],
];

/** What the console's code may use without an import: the browser's own objects. */
const BROWSER_GLOBALS = [
  'window',
  'document',
  'location',
  'history',
  'navigator',
  'sessionStorage',
  'fetch',
  'Response',
  'Headers',
  'URLSearchParams',
  'AbortController',
  'TextDecoderStream',
  'HTMLElement',
  'HTMLInputElement',
  'HTMLSelectElement',
  'HTMLDialogElement',
  'HTMLDivElement',
  'HTMLCanvasElement',
  'Element',
  'Event',
  'MouseEvent',
  'setTimeout',
  'clearTimeout',
  'console',
];

const boundary = (from, forbidden) => ({
  files: [`${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: from.startsWith('controller/')
            ? [
                `../${dir}`,
                `../${dir}/**`,
                `../../${dir}`,
                `../../${dir}/**`,
                `**/controller/${dir}/**`,
              ]
            : [`**/${dir}/**`, `**/${dir}`],
          message: `${from}/ must not import from ${dir}/ (see docs/architecture.md).`,
          // The engine may name the HostRouter interface; it must not construct a driver.
          allowTypeImports: from === 'controller/engine' && dir === 'hosts',
        })),
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'dist/**',
      'shared/proto/gen/**',
      'bin/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // Sources import each other without extensions (moduleResolution "Bundler"); without a
    // resolver that tries .ts, import-x/no-cycle resolves nothing and finds no cycle.
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  ...NEVER.map(([from, forbidden]) => boundary(from, forbidden)),
  // The web console (web/): browser code with its own tsconfig (DOM, Preact's JSX), the
  // same rules as the rest. It speaks only the HTTP API, so it imports nothing of ours.
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: Object.fromEntries(BROWSER_GLOBALS.map((g) => [g, 'readonly'])),
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/controller/**', '**/shared/**', '**/agent/**'],
              message: 'web/ is a client of the HTTP API only (see docs/console.md).',
            },
          ],
        },
      ],
    },
  },
);
