// The throwaway PostgreSQL cluster of the data-layer tests picks a free port and binds it a moment
// later; when something takes that port in between, it picks another instead of failing the file.
import { createServer, type Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { findPgBin, freePort, startPostgres } from './pgHarness'

describe.skipIf(findPgBin() === null)('throwaway PostgreSQL cluster', () => {
  it('starts on another port when the one it picked was taken in between', async () => {
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const taken = (squatter.address() as { port: number }).port
    const picked: number[] = []
    const pg = await startPostgres({
      pickPort: async () => {
        const port = picked.length === 0 ? taken : await freePort()
        picked.push(port)
        return port
      },
    }).finally(() => squatter.close())
    try {
      expect(picked).toHaveLength(2)
      expect(picked[0]).toBe(taken)
      expect(new URL(pg.url).port).toBe(String(picked[1]))
      const { default: Pg } = await import('pg')
      const client = new Pg.Client({ connectionString: pg.url })
      await client.connect()
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await client.end()
    } finally {
      await pg.stop()
    }
  })
})
