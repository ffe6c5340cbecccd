import common from './common'
import login from './login'
import shell from './shell'
import numbers from './numbers'
import call from './call'
import history from './history'
import wrapup from './wrapup'
import workday from './workday'
import autoAdvance from './autoAdvance'
import notices from './notices'
import audioRoute from './audioRoute'

/** Every domain's messages merged; each domain file exports { zh, en } with identical keys. */
const domains = [common, login, shell, numbers, call, history, wrapup, workday, autoAdvance, notices, audioRoute] as const

type Domain = (typeof domains)[number]
/** Distributes over the domains, so a key of any domain is a key. */
type KeysOf<D> = D extends { zh: infer Z } ? keyof Z & string : never
export type MessageKey = KeysOf<Domain>

export const messages = {
  zh: Object.assign({}, ...domains.map((d) => d.zh)) as Record<MessageKey, string>,
  en: Object.assign({}, ...domains.map((d) => d.en)) as Record<MessageKey, string>,
}
