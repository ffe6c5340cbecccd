/**
 * The agent's last chosen audio output (earpiece, speaker, wired or Bluetooth headset), kept per
 * agent on this phone: two agents sharing a phone each get their own.
 */
import type { AudioOutput } from '@/platform/types'
import { agentKeyOf, workspaceValue, type StoredValue } from '@/services/storage'

const OUTPUTS: readonly AudioOutput[] = ['earpiece', 'speaker', 'wired', 'bluetooth']

function isStoredOutput(value: unknown): value is AudioOutput | null {
  return value === null || (typeof value === 'string' && (OUTPUTS as readonly string[]).includes(value))
}

export function agentAudioOutput(userId: string): StoredValue<AudioOutput | null> {
  return workspaceValue<AudioOutput | null>(agentKeyOf(userId), 'audioOutput', { version: 1, fallback: () => null, validate: isStoredOutput })
}
