/**
 * One in-process server per test on the file's database, closed after the test whether it passed
 * or not. Apart from helpers.ts so the test files that never build the app do not load Fastify.
 */
import { afterEach } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../src/app'
import type { Database } from '../src/db'
import { mockConfig } from './helpers'

export interface ServerPerTest {
  /** The app on the mock config (`env` over it), the file's database and a silent start-up report; `deps` over those. */
  start(env?: Record<string, string>, deps?: Parameters<typeof buildServer>[1]): Promise<FastifyInstance>
  /** A server the test built itself, to be closed after the test like one from `start`. */
  track(app: FastifyInstance): FastifyInstance
}

export function serverPerTest(db: Database): ServerPerTest {
  let current: FastifyInstance | null = null
  afterEach(async () => {
    await current?.close()
    current = null
  })
  const track = (app: FastifyInstance): FastifyInstance => (current = app)
  return {
    track,
    start: async (env = {}, deps = {}) => track(await buildServer(mockConfig(env), { db, report: () => {}, ...deps })),
  }
}
