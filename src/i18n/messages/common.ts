const zh = {
  'app.title': 'TCCC 坐席',
  'common.ok': '确定',
  'common.cancel': '取消',
} as const

const en: Record<keyof typeof zh, string> = {
  'app.title': 'TCCC Agent',
  'common.ok': 'OK',
  'common.cancel': 'Cancel',
}

export default { zh, en }
