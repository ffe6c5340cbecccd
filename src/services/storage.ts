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
