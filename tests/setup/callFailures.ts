/**
 * Stand-ins for a call command in page and component tests. Test-only.
 */
import { TcccError } from '@/platform/errors'

/**
 * A dial that opens the call screen and then fails there, as a dial the SDK times out does: the
 * call store enters `dialing` at once, then ends with "request timed out". Resolves false.
 */
export async function dialThenTimeOut(call: { state: string; error: unknown }): Promise<boolean> {
  call.state = 'dialing'
  await Promise.resolve()
  call.state = 'ended'
  call.error = new TcccError('ERR_SIP_REQUESTTIMEOUT')
  return false
}
