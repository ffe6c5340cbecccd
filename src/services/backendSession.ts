/**
 * The persisted backend session (access token + expiry, and whose it is), shared by the session store (which signs
 * in with it) and the settings store (which forgets it when the backend URL changes: a token
 * must never be sent to a server other than the one that issued it).
 */
import { storedValue } from '@/services/storage'

/** The persisted backend session: enough to get a new TCCC token without the password. */
export interface StoredBackendSession {
  accessToken: string
  /** Epoch ms. */
  expiresAt: number
  /**
   * The agent the token was issued to, kept since the offline start: with them the app opens
   * this agent's cache when the silent sign-in cannot reach the backend or TCCC. Absent from
   * sessions stored before (and `workspaceId` from backends that name none): no offline start.
   */
  userId?: string
  sdkAppId?: number
  /** The workspace the backend named at sign-in (`claimAgentCache`): the cache must be its own. */
  workspaceId?: string
}

/**
 * Whether the stored session is `who`'s: another browser tab (one storage for all) may have signed
 * in as someone else since, and one agent's changes, seat status or sign-out must never go out
 * with another's token. A session stored before it named its agent (or workspace) is believed.
 */
export function sessionBelongsTo(stored: StoredBackendSession, who: { userId: string; workspaceId?: string }): boolean {
  if (stored.userId !== undefined && stored.userId.toLowerCase() !== who.userId.toLowerCase()) return false
  return stored.workspaceId === undefined || who.workspaceId === undefined || stored.workspaceId === who.workspaceId
}

function isStoredBackendSession(value: unknown): value is StoredBackendSession | null {
  if (value === null) return true
  if (typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  if (!(typeof v.accessToken === 'string' && v.accessToken !== '' && typeof v.expiresAt === 'number' && Number.isFinite(v.expiresAt))) return false
  // The agent's fields are optional (older sessions), but never of another type.
  return optional(v.userId, 'string') && optional(v.workspaceId, 'string') && optional(v.sdkAppId, 'number')
}

function optional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || typeof value === type
}

export const backendSessionStorage = storedValue<StoredBackendSession | null>('session.backend', {
  version: 1,
  fallback: () => null,
  validate: isStoredBackendSession,
})
