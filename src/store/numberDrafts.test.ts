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
    drafts.openAdd()
    vi.mocked(uni.setStorageSync).mockClear()
    drafts.editForm({ number: '', remark: '' })
    drafts.closeImport()
    expect(uni.setStorageSync).not.toHaveBeenCalled()
  })

  it("is each agent's own: another agent sees none, sign-out forgets it in memory", async () => {
    const drafts = await restart()
    drafts.openAdd()
    drafts.editForm({ number: '13800000009', remark: '' })
    await signIn(null)
    expect(drafts.form).toBeNull()
    // Typing while nobody is signed in stays in memory.
    drafts.openImport()
    await signIn('agent2@example.com')
    expect(drafts.form).toBeNull()
    expect(drafts.importText).toBeNull()
    await signIn(AGENT)
    expect(drafts.form?.number).toBe('13800000009')
  })

  it('drops a stored value of the wrong shape', async () => {
    storage.set(KEY, JSON.stringify({ v: 1, data: { form: { mode: 'delete', original: '', number: '1', remark: '', locked: false }, importText: null } }))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect((await restart()).form).toBeNull()
    storage.set(KEY, JSON.stringify({ v: 1, data: { form: null, importText: 5 } }))
    expect((await restart()).importText).toBeNull()
    expect(warn).toHaveBeenCalledTimes(2)
    warn.mockRestore()
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
