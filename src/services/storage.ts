/**
 * Typed, versioned storage over uni storage. Each key is its own record `{ v, data }`, so one
 * corrupted or outdated key is dropped alone and never takes the others with it.
 */

interface Envelope<T> {
  v: number
  data: T
}

export interface StoredValue<T> {
  readonly key: string
  /** The stored value, or the fallback when missing, corrupted, of another version or invalid. */
  load(): T
  save(value: T): void
  clear(): void
}

export interface StoredValueOptions<T> {
  version: number
  fallback: () => T
  /** Rejects data that parses but has the wrong shape. */
  validate?: (data: unknown) => data is T
}

const PREFIX = 'tccc.'

/**
 * The storage-safe form of an agent's user id (`agent1@example.com` -> `agent1%40example.com`):
 * the agent's workspace keys are `tccc.a.<agentKey>.<name>`.
 */
export function agentKeyOf(userId: string): string {
  return encodeURIComponent(userId.trim().toLowerCase()).replace(/\./g, '%2E')
}

/** One key of an agent's workspace cache: `tccc.a.<agentKey>.<name>`. */
export function workspaceValue<T>(agentKey: string, name: string, options: StoredValueOptions<T>): StoredValue<T> {
  return storedValue(`a.${agentKey}.${name}`, options)
}

/** True when something (even something unreadable) is stored under `tccc.<key>`. */
export function hasStored(key: string): boolean {
  const raw = readRaw(key)
  return raw !== '' && raw !== undefined && raw !== null
}

/** The names after `tccc.<prefix>` of the keys stored under it (`tabs.holder.` -> each seat's). */
export function storedNamesUnder(prefix: string): string[] {
  const full = PREFIX + prefix
  return storageKeys()
    .filter((key) => key.startsWith(full) && key.length > full.length)
    .map((key) => key.slice(full.length))
}

function readRaw(key: string): unknown {
  try {
    return uni.getStorageSync(PREFIX + key)
  } catch {
    return undefined
  }
}

export function storedValue<T>(key: string, options: StoredValueOptions<T>): StoredValue<T> {
  const fullKey = PREFIX + key
  return {
    key: fullKey,
    load(): T {
      let raw = readRaw(key)
      if (raw === '' || raw === undefined || raw === null) return options.fallback()
      if (typeof raw === 'string') {
        try {
          raw = JSON.parse(raw)
        } catch {
          console.warn(`[storage] ${fullKey} is not valid JSON; using the default`)
          return options.fallback()
        }
      }
      const envelope = raw as Partial<Envelope<unknown>>
      if (typeof envelope !== 'object' || envelope === null || envelope.v !== options.version || !('data' in envelope)) {
        return options.fallback()
      }
      if (options.validate && !options.validate(envelope.data)) {
        console.warn(`[storage] ${fullKey} has an unexpected shape; using the default`)
        return options.fallback()
      }
      return envelope.data as T
    },
    save(value: T): void {
      const envelope: Envelope<T> = { v: options.version, data: value }
      uni.setStorageSync(fullKey, JSON.stringify(envelope))
    },
    clear(): void {
      uni.removeStorageSync(fullKey)
    },
  }
}

/** What `claimAgentCache` found beside the seat's cache. */
export type CacheClaim =
  | { kind: 'kept' }
  /** No owner recorded yet (a cache from before owners were kept, or none): it is this agent's. */
  | { kind: 'adopted' }
  /** Another agent's cache of the seat: removed, with their changes never sent. */
  | { kind: 'cleared'; droppedChanges: number }
  /** The agent's own cache, kept under the seat they had before (`from`, an agent key): moved here. */
  | { kind: 'moved'; from: string }

const OWNER = 'owner'
const ownerValue = (agentKey: string) =>
  workspaceValue<string>(agentKey, OWNER, { version: 1, fallback: () => '', validate: (d): d is string => typeof d === 'string' })

function storageKeys(): string[] {
  try {
    return uni.getStorageInfoSync().keys
  } catch {
    return []
  }
}

/**
 * Run at sign-in, before anything reads the seat's cache: makes the cache kept for the seat
 * (`tccc.a.<agentKey>.*`) the signed-in agent's workspace (`workspaceId`, from the backend).
 * Caches are kept per seat, and a seat passes to the next agent when one leaves: without this the
 * next agent saw the last one's numbers and pushed their unsent changes into their own workspace.
 */
export function claimAgentCache(agentKey: string, workspaceId: string): CacheClaim {
  const owner = ownerValue(agentKey)
  const current = owner.load()
  if (current === workspaceId) return { kind: 'kept' }
  const prefix = `${PREFIX}a.${agentKey}.`
  let claim: CacheClaim = { kind: 'adopted' }
  if (current !== '') {
    const outbox = workspaceValue<unknown[]>(agentKey, 'outbox', { version: 1, fallback: () => [], validate: (d): d is unknown[] => Array.isArray(d) }).load()
    for (const key of storageKeys()) if (key.startsWith(prefix)) uni.removeStorageSync(key)
    claim = { kind: 'cleared', droppedChanges: outbox.length }
  }
  const ownKeys = storageKeys().filter((key) => key.startsWith(prefix) && key !== `${prefix}${OWNER}`)
  const from = ownKeys.length > 0 ? null : movedFrom(agentKey, workspaceId)
  if (from !== null) {
    const fromPrefix = `${PREFIX}a.${from}.`
    for (const key of storageKeys()) {
      if (!key.startsWith(fromPrefix)) continue
      // Written before the old key goes: a copy that does not fit (storage full) stays where it was.
      try {
        uni.setStorageSync(prefix + key.slice(fromPrefix.length), uni.getStorageSync(key))
        uni.removeStorageSync(key)
      } catch (e) {
        console.warn('[storage] could not move a cached value to the new seat', e instanceof Error ? e.message : e)
      }
    }
    claim = { kind: 'moved', from }
  }
  owner.save(workspaceId)
  return claim
}

/**
 * Whether the seat's cache on this phone is `workspaceId`'s, as the last sign-in's
 * `claimAgentCache` left it. Only reads: the offline start opens a cache only when it is the
 * agent's own, and claims, moves or removes nothing (that waits for a sign-in the backend answers).
 */
export function isAgentCacheOf(agentKey: string, workspaceId: string): boolean {
  return workspaceId !== '' && ownerValue(agentKey).load() === workspaceId
}

/** The agent key of another seat whose cache belongs to `workspaceId` (the agent changed seats). */
function movedFrom(agentKey: string, workspaceId: string): string | null {
  const pattern = new RegExp(`^${PREFIX.replace('.', '\\.')}a\\.([^.]+)\\.${OWNER}$`)
  for (const key of storageKeys()) {
    const other = pattern.exec(key)?.[1]
    if (other && other !== agentKey && ownerValue(other).load() === workspaceId) return other
  }
  return null
}
