const zh = {
  'login.title': '坐席登录',
  'login.subtitle': '腾讯云联络中心 · 移动坐席',
  'login.username': '账号',
  'login.usernamePlaceholder': '请输入坐席账号（邮箱）',
  'login.password': '密码',
  'login.passwordPlaceholder': '请输入密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.restoring': '正在恢复登录…',
  'login.required': '请输入账号和密码',
  'login.reason.kicked': '该账号已在其他设备登录，您已被下线',
  'login.reason.token-expired': '登录凭证已过期，请重新登录',
  'login.reason.session-expired': '登录已过期，请重新登录',
  'login.reason.logged-out': '您已退出登录',
  'login.showPassword': '显示密码',
  'login.hidePassword': '隐藏密码',
} as const

const en: Record<keyof typeof zh, string> = {
  'login.title': 'Agent sign-in',
  'login.subtitle': 'Tencent Cloud Contact Center · Mobile agent',
  'login.username': 'Account',
  'login.usernamePlaceholder': 'Agent account (e-mail)',
  'login.password': 'Password',
  'login.passwordPlaceholder': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.restoring': 'Restoring your session…',
  'login.required': 'Enter your account and password.',
  'login.reason.kicked': 'You were signed out because this account signed in on another device.',
  'login.reason.token-expired': 'Your login token expired. Please sign in again.',
  'login.reason.session-expired': 'Your session has expired. Please sign in again.',
  'login.reason.logged-out': 'You have signed out.',
  'login.showPassword': 'Show password',
  'login.hidePassword': 'Hide password',
}

export default { zh, en }
