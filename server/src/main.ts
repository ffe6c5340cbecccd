/**
 * `npm run server`: the token backend on TOKEN_PORT (default 8787; 0 picks a free port).
 * Prints exactly one "listening" line on stdout, JSON logs go to stderr, and it stops cleanly
 * on SIGINT/SIGTERM, or when the npm (or anything else) that started it has ended.
 */
import type { AddressInfo } from 'node:net'
import { buildServer } from './app'
import { ConfigError, loadConfig, partialRealModeVariables } from './config'
import { StoreStartError } from './db'
// @ts-expect-error plain ESM helper shared with scripts/dev.mjs
import { stopWhenOrphaned } from '../../scripts/parentWatch.mjs'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Token backend cannot start: ${err.message}`)
      process.exit(1)
    }
    throw err
  }
  const missing = partialRealModeVariables(process.env)
  if (config.mode === 'mock' && missing.length > 0) {
    console.error(`Warning: running in mock mode because ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`)
  }

  const logLevel = (process.env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'info'
  let app
  try {
    // The agent import report is one plain line on stderr (the operator reads it once).
    app = await buildServer(config, { logStream: process.stderr, logLevel, report: (line) => console.error(line) })
  } catch (err) {
    if (err instanceof StoreStartError) {
      console.error(`Token backend cannot start: ${err.message}`)
      process.exit(1)
    }
    throw err
  }

  let closing = false
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'stopping')
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // `npm run server` stopped with a SIGTERM to npm alone (npm does not pass it on): stop too.
  ;(stopWhenOrphaned as (stop: () => void) => unknown)(() => stop('SIGHUP'))

  await app.listen({ port: config.port, host: config.host })
  const { port } = app.server.address() as AddressInfo
  console.info(`Token backend listening on http://localhost:${port} (${config.mode} mode)`)
}

main().catch((err: unknown) => {
  console.error(`Token backend failed to start: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  process.exit(1)
})
