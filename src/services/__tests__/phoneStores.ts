/**
 * A phone's stores over a sync engine, for the engine-against-the-backend tests: `write` keeps the
 * record as the stores would and queues the change; the engine lists, puts back and re-sends
 * (over a cap) what they hold; `sync` flushes until settled. Test-only.
 */
import type { LocalChange, SyncEngine } from '@/services/sync'

export function storedOn(engine: SyncEngine) {
  const copies = new Map<string, LocalChange>()
  engine.setLocalRecords({
    held: () => [...copies.values()].map((c) => ({ kind: c.kind, id: c.id })),
    copyOf: (lost) => copies.get(`${lost.kind}:${lost.id}`) ?? null,
    resend: (records) => records.flatMap((r) => copies.get(`${r.kind}:${r.id}`) ?? []),
  })
  const write = (c: LocalChange) => {
    const key = `${c.kind}:${c.id}`
    if (c.op === 'delete') copies.delete(key)
    else copies.set(key, { ...c, data: { ...(copies.get(key)?.data ?? {}), ...c.data } })
    engine.enqueue([c])
  }
  const sync = async () => {
    for (let i = 0; i < 4; i += 1) await engine.flush()
  }
  return { copies, write, sync }
}
