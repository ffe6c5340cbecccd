const zh = {
  'app.title': 'TCCC 坐席',
  'common.ok': '确定',
  'common.cancel': '取消',
  'common.loading': '加载中…',
  'common.retry': '重试',
  'lang.zh': '中文',
  'lang.en': 'English',
  'lang.label': '语言',
} as const

const en: Record<keyof typeof zh, string> = {
  'app.title': 'TCCC Agent',
  'common.ok': 'OK',
  'common.cancel': 'Cancel',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'lang.zh': '中文',
  'lang.en': 'English',
  'lang.label': 'Language',
}

export default { zh, en }
