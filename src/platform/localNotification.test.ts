import { describe, expect, it } from 'vitest'
import { fn } from 'jest-mock'
import { createBrowserNotifier, createPlusNotifier, type BrowserNotificationLike, type PlusPushLike } from './localNotification'

describe('App notifier (plus.push double)', () => {
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
})
