/**
 * Strings of the development token generator. They live here, not in src/i18n, so that a release
 * build (which never imports debug/) carries none of them. Follows the app's `locale`.
 */
import { locale } from '../../src/i18n'

const zh = {
  title: '开发用 TCCC 登录令牌生成器',
  warning:
    '仅限开发使用：本页面直接在本机用 SecretKey 调用腾讯云 API。切勿在共享设备上输入生产环境密钥。密钥只保存在内存中，不会写入存储，离开本页即清除。',
  secretId: 'SecretId',
  secretKey: 'SecretKey',
  sdkAppId: 'SdkAppId',
  seatUserId: '座席账号（userId）',
  generate: '生成令牌',
  generating: '正在请求…',
  clear: '清除',
  token: 'Token',
  sdkUrl: 'SdkURL',
  expiresAt: '过期时间',
  tcccError: 'TCCC 返回错误：{code}',
  missingFields: '请填写全部字段；SdkAppId 必须是正整数。',
} as const

const en: Record<keyof typeof zh, string> = {
  title: 'Development TCCC login token generator',
  warning:
    'Development only: this page calls the Tencent Cloud API from this device with your SecretKey. Never enter production secrets on a shared device. Secrets stay in memory only, are never stored, and are cleared when you leave this page.',
  secretId: 'SecretId',
  secretKey: 'SecretKey',
  sdkAppId: 'SdkAppId',
  seatUserId: 'Agent account (userId)',
  generate: 'Generate token',
  generating: 'Requesting…',
  clear: 'Clear',
  token: 'Token',
  sdkUrl: 'SdkURL',
  expiresAt: 'Expires at',
  tcccError: 'TCCC refused: {code}',
  missingFields: 'Fill in every field; SdkAppId must be a positive whole number.',
}

export type GeneratorMessageKey = keyof typeof zh
export const generatorMessages = { zh, en }

export function dt(key: GeneratorMessageKey, params?: Record<string, string>): string {
  let text: string = generatorMessages[locale.value][key]
  if (params) for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(value)
  return text
}
