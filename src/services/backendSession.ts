/**
 * The persisted backend session (access token + expiry), shared by the session store (which signs
 * in with it) and the settings store (which forgets it when the backend URL changes: a token
 * must never be sent to a server other than the one that issued it).
 */
import { storedValue } from '@/services/storage'

/** The persisted backend session: enough to get a new TCCC token without the password. */
export interface StoredBackendSession {
  accessToken: string
  /** Epoch ms. */
  expiresAt: number
}

function isStoredBackendSession(value: unknown): value is StoredBackendSession | null {
  if (value === null) return true
  if (typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.accessToken === 'string' && v.accessToken !== '' && typeof v.expiresAt === 'number' && Number.isFinite(v.expiresAt)
}

export const backendSessionStorage = storedValue<StoredBackendSession | null>('session.backend', {
  version: 1,
  fallback: () => null,
  validate: isStoredBackendSession,
})
