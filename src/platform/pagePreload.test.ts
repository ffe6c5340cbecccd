import { describe, expect, it, vi } from 'vitest'
import { preloadPages, SIGNED_IN_PAGES } from './pagePreload'

describe('loading the signed-in pages ahead', () => {
  it('asks for each page in turn, waiting for one before the next', async () => {
    const asked: string[] = []
    let release: () => void = () => undefined
    const api = {
      preloadPage: vi.fn(({ url }: { url: string }) => {
        asked.push(url)
        return url.includes('numbers') ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()
      }),
    }
    const done = preloadPages(SIGNED_IN_PAGES, api)
    await Promise.resolve()
    expect(asked).toEqual(['/src/pages/numbers/index'])
    release()
    await expect(done).resolves.toBe(3)
    expect(asked).toEqual(['/src/pages/numbers/index', '/src/pages/dial/index', '/src/pages/history/index'])
  })

  it('a page that cannot be fetched is logged and the others still come', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const api = { preloadPage: vi.fn(({ url }: { url: string }) => (url.includes('dial') ? Promise.reject(new Error('net::ERR_INTERNET_DISCONNECTED')) : Promise.resolve())) }
    await expect(preloadPages(SIGNED_IN_PAGES, api)).resolves.toBe(2)
    expect(warn).toHaveBeenCalledWith('[pages] could not load /src/pages/dial/index ahead', 'net::ERR_INTERNET_DISCONNECTED')
  })

  it('does nothing where the platform has no page preloading', async () => {
    await expect(preloadPages(SIGNED_IN_PAGES, undefined)).resolves.toBe(0)
  })
})
