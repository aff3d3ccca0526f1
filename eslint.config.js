// Medplum's own @medplum/eslint-config pulls React and JSDoc plugins this server-side project has no use for;
// this is its TypeScript core: typescript-eslint's type-aware recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'lib/', 'coverage/', 'bench/results.json', 'profiles/.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // A pre-commit bot rejects with 422 only by throwing a plain OperationOutcome object (see medplum-host.md).
    files: ['src/bot/**/*.ts'],
    rules: { '@typescript-eslint/only-throw-error': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The embedded host's page (page/): plain browser modules, no build step; these are the browser APIs they use.
    files: ['page/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['document', 'window', 'location', 'localStorage', 'fetch', 'EventSource', 'Node', 'setTimeout'].map((name) => [
          name,
          'readonly',
        ]),
      ),
    },
  },
);
