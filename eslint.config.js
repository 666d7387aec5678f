// Type-aware linting for every TypeScript source and test in the workspace.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.d.ts',
      '**/vitest.config.ts',
      'test/fixtures/**',
      // Stryker's sandboxes and reports (npm run mutate).
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Index reads on typed arrays and tables are asserted non-null for readers; TypeScript without
      // noUncheckedIndexedAccess calls those assertions unnecessary, which is noise, not a defect.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
