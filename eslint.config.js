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
  {
    // V8 allocates a function literal assigned to a property (`o.f = () => …`, also `||=`, `&&=`, `??=`)
    // straight into the old generation (src/parsing/parser.h, Parser::CheckAssigningFunctionLiteralToProperty).
    // Made per run and dead after it, such a closure stays a root of every scavenge until the next full GC
    // and keeps its context — the run's machine and bookkeeping — alive with it. Build the closure inside
    // an object literal, pass it as an argument, or give it a name first.
    files: ['packages/*/src/**/*.ts', 'plugins/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "AssignmentExpression[left.type='MemberExpression'] > :matches(ArrowFunctionExpression, FunctionExpression, TSAsExpression > :matches(ArrowFunctionExpression, FunctionExpression), TSSatisfiesExpression > :matches(ArrowFunctionExpression, FunctionExpression)).right",
          message:
            'A function literal assigned to a property is pretenured by V8 (old generation) and keeps what it captures alive across scavenges: build it in an object literal, pass it as an argument, or name it first.',
        },
      ],
    },
  },
);
