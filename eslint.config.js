// Lint: ESLint's and typescript-eslint's recommended rules, plus a ban on focused or skipped tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const switchedOffTests = [
  { selector: "CallExpression[callee.property.name=/^(only|skip|todo)$/]", message: 'Focused, skipped or todo tests hide a result.' },
  { selector: "Property[key.name=/^(only|skip|todo)$/][value.value=true]", message: 'Focused, skipped or todo tests hide a result.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  { files: ['test/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...switchedOffTests] } },
);
