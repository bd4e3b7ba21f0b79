// Type-aware lint: the rules that catch real bugs in async and money code are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // express tells error handlers by their four parameters; unused ones are named with _
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money is parsed exactly (src/domain/money.ts).' }],
    },
  },
  // Dependency rules (docs/architecture.md "Layers"). Core code reaches CRMs only through the
  // provider contract and the registry; connector code knows nothing of the emulator.
  {
    files: ['src/config/**/*.ts', 'src/http/**/*.ts', 'src/cli/**/*.ts', 'src/sync/**/*.ts', 'src/store/**/*.ts', 'src/ledger/**/*.ts', 'src/notify/**/*.ts', 'src/audit/**/*.ts', 'src/main.ts', 'src/log.ts'],
    ignores: ['src/cli/commands/sandbox.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '(^|/)crm/[^/]+/', message: 'core code reaches a CRM only through src/providers.ts and src/crm/{port,provider,registry,events}.ts' },
        { regex: '(^|/)sandbox/', message: 'core code does not import the emulator: the sandbox providers are composed in src/providers.ts' },
      ] }],
    },
  },
  {
    // the emulator's own command is the one core file that starts it
    files: ['src/cli/commands/sandbox.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '(^|/)crm/[^/]+/', message: 'core code reaches a CRM only through src/providers.ts and src/crm/{port,provider,registry,events}.ts' },
      ] }],
    },
  },
  {
    files: ['src/crm/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '(^|/)sandbox/', message: 'connector code does not know the emulator (the sandbox providers wrap connectors from src/sandbox)' },
      ] }],
    },
  },
  {
    // pure planners: decisions from data, ids and clocks injected, no I/O (like src/domain)
    files: ['src/ledger/plan.ts', 'src/ledger/types.ts', 'src/sync/write-back.ts', 'src/sync/alert-episodes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'pg', 'kysely', 'pino', 'express', 'jsforce', '@hubspot/*'], message: 'planners are pure: no I/O' },
        { regex: '(^|/)(store|crm|http|cli|sandbox|config)/', allowTypeImports: true, message: 'planners take data, not services: type imports only' },
        { regex: '(^|/)log\\.ts$', message: 'planners return what they decided; their callers log' },
      ] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'planners take time as input' }, { object: 'Math', property: 'random', message: 'planners are deterministic' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto'], message: 'src/domain is pure: no Node built-ins.' },
        { group: ['../crm/*', '../store/*', '../sync/*', '../http/*', '../cli/*', '../config/*', '../sandbox/*', 'pino', 'express'], message: 'src/domain imports nothing outside itself.' },
      ] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'src/domain takes time as input (asOf).' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', Buffer: 'readonly' } },
  },
  {
    // bin/check-node.cjs: CommonJS that any Node runs (the version gate, issue 17)
    files: ['**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { 'no-var': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
