const zh = {
  'autoAdvance.toggle': '保存后自动拨打下一个',
  'autoAdvance.countdown': '{seconds} 秒后拨打 {name}',
  'autoAdvance.cancel': '取消',
  'autoAdvance.cancelLabel': '取消自动拨打 {name}',
} as const

const en: Record<keyof typeof zh, string> = {
  'autoAdvance.toggle': 'Call the next one after saving',
  'autoAdvance.countdown': 'Calling {name} in {seconds} s',
  'autoAdvance.cancel': 'Cancel',
  'autoAdvance.cancelLabel': 'Cancel the automatic call to {name}',
}

export default { zh, en }
