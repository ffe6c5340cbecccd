import { describe, expect, it } from 'vitest'
import { UNI_UI_I18N_SHIM, uniUiI18n } from '../../build/uniUiI18n'

type ResolveId = (source: string, importer?: string) => string | null

const resolveId = uniUiI18n().resolveId as unknown as ResolveId

describe('build: uni-ui imports uni-i18n through the locale-following shim', () => {
  it('redirects only uni-ui component files, on either slash and with a query', () => {
    expect(resolveId('@dcloudio/uni-i18n', '/app/node_modules/@dcloudio/uni-ui/lib/uni-datetime-picker/calendar.vue')).toBe(UNI_UI_I18N_SHIM)
    expect(resolveId('@dcloudio/uni-i18n', 'C:\\app\\node_modules\\@dcloudio\\uni-ui\\lib\\uni-datetime-picker\\time-picker.vue?vue&type=script')).toBe(
      UNI_UI_I18N_SHIM,
    )
    // uni's runtime and the shim itself get the package.
    expect(resolveId('@dcloudio/uni-i18n', '/app/node_modules/@dcloudio/uni-h5/dist/uni-h5.es.js')).toBeNull()
    expect(resolveId('@dcloudio/uni-i18n', UNI_UI_I18N_SHIM)).toBeNull()
    expect(resolveId('@dcloudio/uni-i18n')).toBeNull()
    expect(resolveId('@dcloudio/uni-shared', '/app/node_modules/@dcloudio/uni-ui/lib/uni-popup/uni-popup.vue')).toBeNull()
  })
})
