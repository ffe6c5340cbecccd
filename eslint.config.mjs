import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'unpackage/**', 'coverage/**', 'docs/screenshots/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node, uni: 'readonly', plus: 'readonly', getCurrentPages: 'readonly', UniApp: 'readonly' },
    },
    rules: {
      'vue/multi-word-component-names': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['warn', { allow: ['warn', 'error', 'info'] }],
    },
  },
  {
    // Command-line tools, benchmarks and journeys print by design.
    files: ['scripts/**', 'bench/**', 'e2e/**', 'server/src/cli.ts', 'server/src/main.ts'],
    rules: { 'no-console': 'off' },
  },
)
