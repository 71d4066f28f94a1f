// One linter for the whole tree; type-aware rules are left to `tsc --noEmit` (npm run typecheck).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'bench/results/', 'src/web/static/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'Take the time from the injected Clock (src/domain/clock.ts), never Date.now().',
        },
      ],
    },
  },
  // The layers of docs/architecture.md: imports point only downwards (api/web/cli → demo →
  // services → engine → effects → store → domain). One block per layer, naming the folders above
  // it. The composition root (src/engine/werkflow.ts) is the one engine file that wires the
  // services and the demo in; the later block for it overrides the engine block.
  ...layerRules({
    'src/domain/**': ['store', 'effects', 'engine', 'services', 'demo', 'api', 'web', 'cli'],
    'src/store/**': ['effects', 'engine', 'services', 'demo', 'api', 'web', 'cli'],
    'src/effects/**': ['engine', 'services', 'demo', 'api', 'web', 'cli'],
    'src/engine/**': ['services', 'demo', 'api', 'web', 'cli'],
    'src/engine/werkflow.ts': ['demo', 'api', 'web', 'cli'],
    'src/services/**': ['demo', 'api', 'web', 'cli'],
    'src/demo/**': ['api', 'web', 'cli'],
  }),
  {
    // The top layers call services; SQL stays in store/.
    files: ['src/api/**', 'src/web/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: 'Routes and commands call services; SQL lives in src/store/.' }],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['test/**', 'bench/**', 'src/cli/**', 'src/engine/clock.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

/** `no-restricted-imports` for each layer: no import path may go through a folder above it. */
function layerRules(forbidden) {
  return Object.entries(forbidden).map(([files, above]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `(^|/)(${above.join('|')})/`,
              message: `${files.split('/')[1]}/ may not import from ${above.join(', ')} (layers: docs/architecture.md).`,
            },
          ],
        },
      ],
    },
  }));
}
