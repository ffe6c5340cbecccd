import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'
import noImportCycle from './eslint-rules/no-import-cycle.mjs'

/** Import patterns (alias and relative) for the given folders of src/. */
function folders(...names) {
  return names.flatMap((name) => [`@/${name}`, `@/${name}/**`, `**/${name}`, `**/${name}/**`])
}

/**
 * The layers, top to bottom: pages/components -> stores -> services -> platform; i18n sits beside
 * the stores and reads only the platform's error catalogue (docs/ARCHITECTURE.md). Each layer may
 * import only layers below it; types (`import type`) are allowed only where noted.
 */
function layer(files, forbidden, message, allowTypeImports = false) {
  return {
    files,
    ignores: ['**/*.test.ts', '**/__tests__/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: folders(...forbidden), allowTypeImports, message }] }],
    },
  }
}

export default tseslint.config(
  // tests/fixtures/layering holds deliberate violations; tests/unit/layeringLint.test.ts lints them.
  { ignores: ['dist/**', 'node_modules/**', 'unpackage/**', 'coverage/**', 'docs/screenshots/**', 'test-results/**', 'tests/fixtures/**', '.stryker-tmp/**', 'reports/**'] },
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
  // Pages and their components talk only to stores; types are fine.
  layer(['src/pages/**/*.{ts,vue}', 'src/components/**/*.{ts,vue}'], ['services', 'platform'], 'Pages and components use stores, not services or platform code.', true),
  layer(['src/store/**/*.ts'], ['pages', 'components'], 'Stores never import pages or components (they only hold state and call services).'),
  layer(['src/services/**/*.ts'], ['store', 'pages', 'components', 'i18n'], 'Services never import stores, pages, components or i18n: publish an event stream (src/services/eventStream.ts) that the store event router subscribes to.'),
  layer(['src/i18n/**/*.ts'], ['store', 'services', 'pages', 'components'], 'i18n reads only the platform error catalogue.'),
  layer(['src/platform/**/*.ts'], ['store', 'services', 'pages', 'components', 'i18n'], 'The platform layer imports nothing above it (shared error types live in src/platform/errors.ts).'),
  {
    // No circle anywhere in the app's code (value imports; `import type` is erased).
    files: ['src/**/*.{ts,vue}', 'App.vue', 'main.ts'],
    ignores: ['**/*.test.ts', '**/__tests__/**'],
    plugins: { layering: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: { 'layering/no-import-cycle': ['error', { alias: { '@/': 'src/' } }] },
  },

)
