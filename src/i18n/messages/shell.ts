const zh = {
  'shell.nav.numbers': '号码',
  'shell.nav.dial': '拨号',
  'shell.nav.history': '记录',
  'shell.logout': '退出',
  'shell.logoutConfirm': '确定退出登录吗？',
  'shell.agentOnline': '在线',
  'shell.banner.lost': '与呼叫服务器的连接已断开，暂时无法通话',
  'shell.banner.reconnecting': '正在重新连接呼叫服务器…',
  'shell.banner.recovered': '连接已恢复',
  'shell.callBar': '通话中 · 点击返回',
  'shell.callBarRinging': '呼叫中 · 点击返回',
  'incoming.title': '来电',
  'incoming.unknownCaller': '未知号码',
  'incoming.answer': '接听',
  'incoming.reject': '拒接',
} as const

const en: Record<keyof typeof zh, string> = {
  'shell.nav.numbers': 'Numbers',
  'shell.nav.dial': 'Dial',
  'shell.nav.history': 'History',
  'shell.logout': 'Sign out',
  'shell.logoutConfirm': 'Sign out now?',
  'shell.agentOnline': 'Online',
  'shell.banner.lost': 'Connection to the call server lost. Calls are unavailable.',
  'shell.banner.reconnecting': 'Reconnecting to the call server…',
  'shell.banner.recovered': 'Connection restored',
  'shell.callBar': 'Call in progress · tap to return',
  'shell.callBarRinging': 'Calling · tap to return',
  'incoming.title': 'Incoming call',
  'incoming.unknownCaller': 'Unknown number',
  'incoming.answer': 'Answer',
  'incoming.reject': 'Decline',
}

export default { zh, en }
