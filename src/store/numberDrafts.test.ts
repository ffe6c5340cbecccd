import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { useNumberDraftsStore } from '@/store/numberDrafts'
import { useSessionStore } from '@/store/session'
import { storage } from '../../tests/setup/uni'

vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))

const AGENT = 'agent1@example.com'
const KEY = 'tccc.a.agent1%40example%2Ecom.numberDrafts'

async function signIn(userId: string | null): Promise<void> {
  useSessionStore().agent = userId ? { userId, sdkAppId: 1400000001 } : null
  await nextTick()
}

/** A new app start on the same storage: a fresh pinia, the agent signed in again. */
async function restart(userId: string | null = AGENT) {
  setActivePinia(createPinia())
  const drafts = useNumberDraftsStore()
  await signIn(userId)
  return drafts
}

function stored(): unknown {
  const raw = storage.get(KEY)
  return typeof raw === 'string' ? JSON.parse(raw) : raw
}

beforeEach(() => {
  storage.clear()
})

describe('number drafts', () => {
  it('keeps a half-typed new number across a restart, and drops it once closed', async () => {
    const drafts = await restart()
    drafts.openAdd()
    drafts.editForm({ number: '13800', remark: '张' })
    expect(stored()).toEqual({ v: 1, data: { form: { mode: 'add', original: '', number: '13800', remark: '张', locked: false }, importText: null } })

    const again = await restart()
    expect(again.form).toEqual({ mode: 'add', original: '', number: '13800', remark: '张', locked: false })
    again.closeForm()
    expect(again.form).toBeNull()
    expect((await restart()).form).toBeNull()
  })

  it('opens an edit on the entry, empty remark for an unset one, locked for an assigned number', async () => {
    const drafts = await restart()
    drafts.openEdit({ number: '13800138000', remark: '13800138000', source: 'assigned' })
    expect(drafts.form).toEqual({ mode: 'edit', original: '13800138000', number: '13800138000', remark: '', locked: true })
    drafts.editForm({ number: '13800138000', remark: '王总' })
    drafts.openEdit({ number: '13900139000', remark: '李四', source: 'own' })
    expect(drafts.form).toEqual({ mode: 'edit', original: '13900139000', number: '13900139000', remark: '李四', locked: false })
    expect((await restart()).form).toEqual(drafts.form)
  })

  it('keeps the import box text while the sheet is open', async () => {
    const drafts = await restart()
    expect(drafts.importText).toBeNull()
    drafts.editImport('ignored while closed')
    expect(drafts.importText).toBeNull()
    drafts.openImport()
    expect(drafts.importText).toBe('')
    drafts.editImport('13800000001,张三\n13800000002')
    const again = await restart()
    expect(again.importText).toBe('13800000001,张三\n13800000002')
    again.closeImport()
    expect((await restart()).importText).toBeNull()
  })

  it('ignores typing with no form open, and saves nothing unchanged', async () => {
    const drafts = await restart()
    drafts.editForm({ number: '1', remark: '' })
    expect(drafts.form).toBeNull()
    expect(storage.has(KEY)).toBe(false)
    vi.mocked(uni.setStorageSync).mockClear()
    drafts.closeForm()
    drafts.closeImport()
    expect(uni.setStorageSync).not.toHaveBeenCalled()
    drafts.openAdd()
    drafts.openImport()
    vi.mocked(uni.setStorageSync).mockClear()
    drafts.editForm({ number: '', remark: '' })
    drafts.editImport('')
    expect(uni.setStorageSync).not.toHaveBeenCalled()
    // A remark typed under the same number is a change.
    drafts.editForm({ number: '', remark: 'r' })
    expect(drafts.form?.remark).toBe('r')
    expect(uni.setStorageSync).toHaveBeenCalledTimes(1)
  })

  it('loads the drafts of an agent already signed in when the store is first used', async () => {
    const drafts = await restart()
    drafts.openImport()
    drafts.editImport('13800000001')
    setActivePinia(createPinia())
    useSessionStore().agent = { userId: AGENT, sdkAppId: 1400000001 }
    expect(useNumberDraftsStore().importText).toBe('13800000001')
  })

  it("is each agent's own: another agent sees none, sign-out forgets it in memory", async () => {
    const drafts = await restart()
    drafts.openAdd()
    drafts.editForm({ number: '13800000009', remark: '' })
    await signIn(null)
    expect(drafts.form).toBeNull()
    // Typing while nobody is signed in stays in memory: nothing written, nothing to warn about.
    const warn = vi.spyOn(console, 'warn')
    vi.mocked(uni.setStorageSync).mockClear()
    drafts.openImport()
    expect(uni.setStorageSync).not.toHaveBeenCalled()
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
    await signIn('agent2@example.com')
    expect(drafts.form).toBeNull()
    expect(drafts.importText).toBeNull()
    await signIn(AGENT)
    expect(drafts.form?.number).toBe('13800000009')
  })

  it('drops a stored value of the wrong shape, field by field', async () => {
    const form = { mode: 'add', original: '', number: '1', remark: '', locked: false }
    const bad: unknown[] = [
      null,
      'drafts',
      { form: 'form', importText: null },
      { form: { ...form, mode: 'delete' }, importText: null },
      { form: { ...form, original: 1 }, importText: null },
      { form: { ...form, number: null }, importText: null },
      { form: { ...form, remark: undefined }, importText: null },
      { form: { ...form, locked: 'yes' }, importText: null },
      { form: null, importText: 5 },
      { form: null },
      { importText: null },
      [],
    ]
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    for (const data of bad) {
      storage.set(KEY, JSON.stringify({ v: 1, data: { form: null, importText: 'kept text' } }))
      expect((await restart()).importText).toBe('kept text')
      storage.set(KEY, JSON.stringify({ v: 1, data }))
      const drafts = await restart()
      expect([drafts.form, drafts.importText], JSON.stringify(data)).toEqual([null, null])
    }
    expect(warn).toHaveBeenCalledTimes(bad.length)
    warn.mockRestore()
    storage.set(KEY, JSON.stringify({ v: 1, data: { form, importText: 'both' } }))
    expect([(await restart()).form, (await restart()).importText]).toEqual([form, 'both'])
  })

  it('keeps working when storage is full', async () => {
    const drafts = await restart()
    vi.mocked(uni.setStorageSync).mockImplementationOnce(() => {
      throw new Error('quota')
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    drafts.openAdd()
    drafts.editForm({ number: '138', remark: '' })
    expect(drafts.form?.number).toBe('138')
    expect(warn).toHaveBeenCalledWith('[numberDrafts] could not keep the draft', expect.any(Error))
    // The next keystroke is kept again.
    drafts.editForm({ number: '1380', remark: '' })
    expect((await restart()).form?.number).toBe('1380')
    warn.mockRestore()
  })
})
