/** Notices about calls the agent did not take, and why a call cannot start now. */
const zh = {
  'notices.callWaiting': '{number} 正在来电，当前通话结束前无法接听，将记为未接',
  'notices.missed': '未接来电：{number}',
  'notices.missedMore': '{n} 个未接来电，最近一个：{number}',
  'notices.missedOpen': '查看',
  'notices.missedDismiss': '知道了',
  'notices.missedBadge': '{n} 个未接来电',
  'notices.callBlocked': '正在通话，结束当前通话后才能拨打其他号码',
  'notices.logoutDuringCall.title': '正在通话',
  'notices.logoutDuringCall.message': '退出登录会挂断与 {peer} 的通话。',
  'notices.logoutDuringCall.confirm': '挂断并退出',
  'notices.logoutDuringCall.cancel': '继续通话',
  'notices.logoutHangupFailed': '挂断失败，未退出登录',
  'notices.connection.online': '已连接',
  'notices.connection.lost': '连接已断开',
  'notices.connection.reconnecting': '正在重连',
  'notices.connection.offline': '未登录',
  'notices.callInterrupted': '与 {name} 的通话在应用关闭时中断，已记入通话记录',
} as const

const en: Record<keyof typeof zh, string> = {
  'notices.callWaiting': '{number} is calling; it cannot be answered during this call and will be recorded as missed',
  'notices.missed': 'Missed call: {number}',
  'notices.missedMore': '{n} missed calls, the latest from {number}',
  'notices.missedOpen': 'View',
  'notices.missedDismiss': 'Got it',
  'notices.missedBadge': '{n} missed call | {n} missed calls',
  'notices.callBlocked': 'On a call: end it before calling another number',
  'notices.logoutDuringCall.title': 'You are on a call',
  'notices.logoutDuringCall.message': 'Signing out hangs up the call with {peer}.',
  'notices.logoutDuringCall.confirm': 'Hang up and sign out',
  'notices.logoutDuringCall.cancel': 'Stay on the call',
  'notices.logoutHangupFailed': 'Could not hang up; still signed in',
  'notices.connection.online': 'Connected',
  'notices.connection.lost': 'Connection lost',
  'notices.connection.reconnecting': 'Reconnecting',
  'notices.connection.offline': 'Signed out',
  'notices.callInterrupted': 'The call with {name} was cut off when the app closed; it is in your call history',
}

export default { zh, en }
