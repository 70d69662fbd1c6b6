// Type-aware lint for every package: async Redis code must never drop a promise, and no
// package has an import cycle (type-only and dynamic imports included). Plain JavaScript
// (tools, examples, benchmarks, test fixtures, scripts) is linted too, without type information.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { localRules } from './tools/eslint/no-import-cycle.js';

const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TEST_FILES = ['**/test/**', '**/*.test.*', '**/*.bench.*'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/.test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { local: localRules },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // import('...') types stay allowed: optional dependencies are typed that way, loaded on demand.
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      // Layering is one-way inside a package too (tools/eslint/no-import-cycle.js).
      'local/no-import-cycle': 'error',
    },
  },
  {
    // Plain Node ESM: no type information, Node's globals, every undefined name is an error.
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      'no-undef': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-require-imports': 'off',
      'local/no-import-cycle': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // A focused test (`it.only`, `describe.only`, ...) silently skips the rest of its file.
    files: TEST_FILES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name="only"]',
          message: 'Focused tests skip the rest of the file: remove `.only` before committing.',
        },
      ],
    },
  },
);
