import { afterEach, describe, expect, it, vi } from 'vitest'
import { fn } from 'jest-mock'
import { createBrowserNotifier, createPlusNotifier, type BrowserNotificationLike, type PlusPushLike } from './localNotification'

function plusPush() {
  const listeners: Array<(m: { payload?: unknown }) => void> = []
  const push = {
    createMessage: fn<PlusPushLike['createMessage']>(),
    addEventListener: fn((_event: 'click', listener: (m: { payload?: unknown }) => void) => {
      listeners.push(listener)
    }),
  }
  return { push, tap: (payload: unknown) => listeners.forEach((l) => l({ payload })), listeners }
}

function notificationApi(permission: string) {
  const made: Array<{ title: string; options: unknown; onclick: (() => void) | null; close: ReturnType<typeof fn> }> = []
  class FakeNotification {
    static permission = permission
    onclick: (() => void) | null = null
    close = fn()
    constructor(title: string, options?: unknown) {
      made.push(Object.assign(this, { title, options }) as never)
    }
  }
  return { Api: FakeNotification as unknown as BrowserNotificationLike, made }
}

describe('App notifier (plus.push double)', () => {

  it('posts a local message with the body as content, the number as payload, title, no cover', () => {
    const { push } = plusPush()
    const notifier = createPlusNotifier(push)
    expect(notifier.show({ title: '回拨提醒', body: '现在回拨 张伟', payload: '13800000001' })).toBe(true)
    expect(push.createMessage).toHaveBeenCalledWith('现在回拨 张伟', '13800000001', { title: '回拨提醒', cover: false, sound: 'system' })
  })

  it('hands a tap\'s payload (string or parsed object) to the current handlers, one plus listener in all', () => {
    const { push, tap, listeners } = plusPush()
    const notifier = createPlusNotifier(push)
    const first = fn()
    const second = fn()
    const off = notifier.onTap(first)
    notifier.onTap(second)
    expect(listeners).toHaveLength(1)
    tap('13800000001')
    tap({ number: '13800000002' })
    tap(undefined)
    off()
    tap('13800000003')
    expect(first.mock.calls).toEqual([['13800000001'], ['13800000002']])
    expect(second.mock.calls).toEqual([['13800000001'], ['13800000002'], ['13800000003']])
  })
})

describe('browser notifier (Notification double)', () => {

  it('shows only where permission is granted, and a click focuses, closes and dials', () => {
    const denied = notificationApi('default')
    expect(createBrowserNotifier(denied.Api).show({ title: 't', body: 'b', payload: '1' })).toBe(false)
    expect(denied.made).toHaveLength(0)
    expect(createBrowserNotifier(undefined).show({ title: 't', body: 'b', payload: '1' })).toBe(false)

    const granted = notificationApi('granted')
    const focus = fn()
    const notifier = createBrowserNotifier(granted.Api, focus)
    const tapped = fn()
    notifier.onTap(tapped)
    expect(notifier.show({ title: 'Callback due', body: 'Call 张伟 now', payload: '13800000001' })).toBe(true)
    expect(granted.made[0]).toMatchObject({ title: 'Callback due', options: { body: 'Call 张伟 now', tag: 'callback-13800000001' } })
    granted.made[0].onclick?.()
    expect(focus).toHaveBeenCalledTimes(1)
    expect(granted.made[0].close).toHaveBeenCalledTimes(1)
    expect(tapped).toHaveBeenCalledWith('13800000001')
  })

  it('a handler that unsubscribed hears no later click', () => {
    const granted = notificationApi('granted')
    const notifier = createBrowserNotifier(granted.Api)
    const tapped = fn()
    notifier.onTap(tapped)()
    notifier.show({ title: 't', body: 'b', payload: '13800000001' })
    granted.made[0].onclick?.()
    expect(tapped).not.toHaveBeenCalled()
  })
})

describe('App notifier, taps it cannot use (mutation survivors)', () => {
  it("listens to plus.push's click event, and ignores payloads with no number text (null, a numeric number)", () => {
    const { push, tap } = plusPush()
    const tapped = fn()
    createPlusNotifier(push).onTap(tapped)
    expect(push.addEventListener).toHaveBeenCalledWith('click', expect.any(Function))
    expect(() => tap(null)).not.toThrow()
    tap({ number: 13800000001 })
    tap(42)
    expect(tapped).not.toHaveBeenCalled()
  })
})

describe('local notifications (mutation survivors)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it('a browser that refuses new Notification (Chrome on Android) shows nothing and says so', () => {
    class Refusing {
      static permission = 'granted'
      constructor() {
        throw new TypeError('Illegal constructor')
      }
    }
    expect(createBrowserNotifier(Refusing as unknown as BrowserNotificationLike).show({ title: 't', body: 'b', payload: '1' })).toBe(false)
  })

  it('on the App: one plus.push notifier for the whole app', async () => {
    const { push, tap } = plusPush()
    vi.stubGlobal('plus', { push })
    const { localNotifier } = await import('./localNotification')
    expect(localNotifier().show({ title: '回拨提醒', body: '现在回拨', payload: '13800000001' })).toBe(true)
    expect(push.createMessage).toHaveBeenCalledWith('现在回拨', '13800000001', { title: '回拨提醒', cover: false, sound: 'system' })
    const tapped = fn()
    localNotifier().onTap(tapped)
    localNotifier().onTap(tapped)
    expect(push.addEventListener).toHaveBeenCalledTimes(1)
    tap('13800000001')
    expect(tapped).toHaveBeenCalledTimes(1)
  })

  it('in a browser: the granted Notification; a click focuses the window and hands back the number', async () => {
    const granted = notificationApi('granted')
    vi.stubGlobal('Notification', granted.Api)
    const focus = vi.spyOn(window, 'focus').mockImplementation(() => undefined)
    const { localNotifier } = await import('./localNotification')
    const tapped = fn()
    localNotifier().onTap(tapped)
    expect(localNotifier().show({ title: 'Callback due', body: 'Call now', payload: '13800000001' })).toBe(true)
    granted.made[0].onclick?.()
    expect(focus).toHaveBeenCalledTimes(1)
    expect(tapped).toHaveBeenCalledWith('13800000001')
  })

  it('with no Notification API, or no window at all (the App engine), shows nothing', async () => {
    vi.stubGlobal('Notification', undefined)
    Reflect.deleteProperty(window, 'Notification')
    const first = await import('./localNotification')
    expect(first.localNotifier().show({ title: 't', body: 'b', payload: '1' })).toBe(false)
    vi.resetModules()
    vi.stubGlobal('window', undefined)
    const second = await import('./localNotification')
    expect(second.localNotifier().show({ title: 't', body: 'b', payload: '1' })).toBe(false)
  })
})
