// @vitest-environment node
/**
 * server/src/app.ts opening its own store (no database given), for the uncovered mutants of
 * issue 13 (docs/mutation/app.md): the DATA_DIR claim and owner.json, the admin key and routes,
 * releasing the claim when the start fails, and a PostgreSQL target that claims no directory.
 * The data directory starts from the saved image of a migrated store (see helpers.fileDatabase)
 * so no initdb runs here.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { buildServer } from '../src/app'
import { fileDatabase, AGENT1, login, mockConfig } from './helpers'

vi.setConfig({ testTimeout: 120_000 })

let image: Blob
beforeAll(async () => {
  await (await fileDatabase()).close() // makes sure the saved image exists
  const name = readdirSync(tmpdir()).find((n) => /^tccc-test-pglite-[0-9a-f]{16}\.tar$/.test(n)) as string
  image = new Blob([readFileSync(path.join(tmpdir(), name))])
}, 120_000)

/** A DATA_DIR holding a migrated store, as a backend that ran before leaves it. */
async function preparedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'app-mutants-data-'))
  const { PGlite } = await import('@electric-sql/pglite')
  const pg = await PGlite.create({ dataDir, loadDataDir: image })
  await pg.close()
  return dataDir
}

describe('own data directory (no database given)', () => {
  it('claims DATA_DIR, writes its port and admin key once listening, refuses a second server, releases on close', async () => {
    const dataDir = await preparedDataDir()
    const owner = path.join(dataDir, 'owner.json')
    const server = await buildServer(mockConfig({ DATA_DIR: dataDir }), { report: () => {} })
    try {
      expect(JSON.parse(readFileSync(owner, 'utf8'))).toEqual({ pid: process.pid, claim: expect.any(String), role: 'server' })
      await expect(buildServer(mockConfig({ DATA_DIR: dataDir }), { report: () => {} })).rejects.toThrow(
        `DATA_DIR ${dataDir} is in use by another process (pid ${process.pid}); PGlite allows one owner`,
      )
      await server.listen({ port: 0, host: '127.0.0.1' })
      const port = (server.server.address() as AddressInfo).port
      const info = JSON.parse(readFileSync(owner, 'utf8')) as { port: number; adminKey: string }
      expect(info.port).toBe(port)
      expect(info.adminKey).toMatch(/^[\w-]{43}$/)
      // The admin endpoint answers with that key (and hides itself without it).
      const withKey = await server.inject({ method: 'POST', url: '/api/admin/agents/remove', headers: { 'x-admin-key': info.adminKey }, payload: { username: 'nobody' } })
      expect(withKey.statusCode).toBe(200)
      const without = await server.inject({ method: 'POST', url: '/api/admin/agents/remove', payload: { username: 'nobody' } })
      expect(without.statusCode).toBe(404)
      expect((await login(server, AGENT1)).res.statusCode).toBe(200)
    } finally {
      await server.close()
    }
    expect(existsSync(owner)).toBe(false)
  })

  it('keeps an ADMIN_KEY it was given', async () => {
    const dataDir = await preparedDataDir()
    const adminKey = 'k'.repeat(32)
    const server = await buildServer(mockConfig({ DATA_DIR: dataDir, ADMIN_KEY: adminKey }), { report: () => {} })
    try {
      await server.listen({ port: 0, host: '127.0.0.1' })
      expect(JSON.parse(readFileSync(path.join(dataDir, 'owner.json'), 'utf8')).adminKey).toBe(adminKey)
    } finally {
      await server.close()
    }
  })

  it('gives the directory back when the agent directory cannot be prepared', async () => {
    const dataDir = await preparedDataDir()
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'app-mutants-agents-')), 'agents.json')
    writeFileSync(broken, '{')
    await expect(buildServer(mockConfig({ DATA_DIR: dataDir, AGENTS_FILE: broken }), { report: () => {} })).rejects.toThrow(/not valid JSON/)
    expect(existsSync(path.join(dataDir, 'owner.json'))).toBe(false)
    // The store was closed too: the next backend opens it.
    const server = await buildServer(mockConfig({ DATA_DIR: dataDir }), { report: () => {} })
    try {
      expect((await login(server, AGENT1)).res.statusCode).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('claims no directory for a PostgreSQL target, and says when it cannot reach it', async () => {
    await expect(buildServer(mockConfig({ DATABASE_URL: 'postgres://127.0.0.1:1/nothing' }), { report: () => {} })).rejects.toThrow(
      'cannot open the database (PostgreSQL at 127.0.0.1:1/nothing): connect ECONNREFUSED 127.0.0.1:1',
    )
  })
})
