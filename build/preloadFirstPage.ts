/**
 * Vite plugin (H5 builds): index.html fetches the first page's chunk with the app's own.
 *
 * uni-h5 loads every page as an async chunk, so at start the first page's script, the chunks
 * it imports and its CSS were only requested after the main chunk had run: a second round trip
 * before anything could render. `<link rel="modulepreload">` for the first page (pages.json's
 * first entry, where the app starts) and its static imports, and its stylesheets in <head>, let
 * the browser fetch them alongside the main chunk; Vite's loader finds them already there.
 * Nothing else changes: the page is still imported and set up by uni when the router needs it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HtmlTagDescriptor, Plugin } from 'vite'

/** The first page in pages.json (`src/pages/login/index`), or null when it cannot be read. */
export function firstPagePath(inputDir: string): string | null {
  try {
    // pages.json may carry comments in uni projects; ours is plain JSON. Strip line comments.
    const text = readFileSync(join(inputDir, 'pages.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')
    const pages = (JSON.parse(text) as { pages?: Array<{ path?: unknown }> }).pages
    const path = pages?.[0]?.path
    return typeof path === 'string' ? path : null
  } catch {
    return null
  }
}

interface ChunkLike {
  type: 'chunk'
  fileName: string
  isEntry: boolean
  facadeModuleId: string | null
  imports: string[]
  viteMetadata?: { importedCss: Set<string> }
}

/** The page chunk's file, its static imports (not the entry) and every stylesheet they import. */
export function firstPageFiles(bundle: Record<string, { type: string }>, pagePath: string): { scripts: string[]; styles: string[] } {
  const chunks = Object.values(bundle).filter((c): c is ChunkLike => c.type === 'chunk')
  const page = chunks.find((c) => c.facadeModuleId?.replace(/\\/g, '/').replace(/\.(vue|nvue)$/, '').endsWith(`/${pagePath}`))
  const scripts: string[] = []
  const styles: string[] = []
  if (!page) return { scripts, styles }
  const byName = new Map(chunks.map((c) => [c.fileName, c]))
  const visit = (chunk: ChunkLike): void => {
    if (chunk.isEntry || scripts.includes(chunk.fileName)) return
    scripts.push(chunk.fileName)
    for (const css of chunk.viteMetadata?.importedCss ?? []) if (!styles.includes(css)) styles.push(css)
    for (const name of chunk.imports) {
      const next = byName.get(name)
      if (next) visit(next)
    }
  }
  visit(page)
  return { scripts, styles }
}

export function preloadFirstPage(): Plugin {
  let base = '/'
  return {
    name: 'tccc:preload-first-page',
    apply: 'build',
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const pagePath = firstPagePath(process.env.UNI_INPUT_DIR ?? process.cwd())
        if (!ctx.bundle || !pagePath) return
        const { scripts, styles } = firstPageFiles(ctx.bundle, pagePath)
        const tags: HtmlTagDescriptor[] = [
          ...styles.map((file) => ({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: base + file }, injectTo: 'head' as const })),
          ...scripts.map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: base + file }, injectTo: 'head' as const })),
        ]
        return tags
      },
    },
  }
}
