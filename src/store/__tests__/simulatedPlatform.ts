/**
 * The platform module as tests see it: always the simulated TCCC. Test files use it with
 * `vi.mock('@/platform/index', () => import('@/store/__tests__/simulatedPlatform'))`.
 */
import { createSimulatedTccc } from '@/platform/simulated/index'
import type { TcccAgentSdk } from '@/platform/types'

export const platformKind = 'simulated'

export function createPlatform(): TcccAgentSdk {
  return createSimulatedTccc()
}
