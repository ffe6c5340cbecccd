/**
 * Vite plugin: uni-ui's components import `@dcloudio/uni-i18n` through
 * `src/platform/uniUi/i18n.ts`, which makes their texts take uni's current locale (see there:
 * the wrap-up's date picker stayed in the language uni had when its module loaded). Every other
 * importer, uni's own runtime included, gets the package unchanged.
 */
import { resolve } from 'node:path'
import type { Plugin } from 'vite'

export const UNI_UI_I18N_SHIM = resolve(__dirname, '../src/platform/uniUi/i18n.ts')

/** An importer inside uni-ui's component library (either slash). */
const UNI_UI_FILE = /[\\/]@dcloudio[\\/]uni-ui[\\/]lib[\\/]/

export function uniUiI18n(): Plugin {
  return {
    name: 'uni-ui-i18n-follows-uni-locale',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== '@dcloudio/uni-i18n' || importer === undefined) return null
      return UNI_UI_FILE.test(importer.split('?')[0]) ? UNI_UI_I18N_SHIM : null
    },
  }
}
