import { startStack } from '../e2e/harness'
const stack = await startStack(process.argv[2] ?? 'dist/build/h5')
const ctx = await stack.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
const page = await ctx.newPage(); await page.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((fn) => fn);' })
await page.goto(stack.baseUrl)
await page.locator('[data-testid="login-submit"]').waitFor()
const r = await page.evaluate(() => {
  const all = [...document.querySelectorAll('*')]
  const tags: Record<string, number> = {}
  for (const e of all) tags[e.tagName.toLowerCase()] = (tags[e.tagName.toLowerCase()] ?? 0) + 1
  const app = (document.querySelector('#app') as any).__vue_app__
  let comps = 0; const names: Record<string, number> = {}
  const walk = (vnode: any) => { if (!vnode) return; if (vnode.component) { comps++; const n = vnode.component.type.name ?? vnode.component.type.__name ?? '?'; names[n] = (names[n] ?? 0) + 1; walk(vnode.component.subTree) } else if (Array.isArray(vnode.children)) vnode.children.forEach(walk); if (vnode.suspense) walk(vnode.suspense.activeBranch) }
  walk(app._instance.subTree)
  return { n: all.length, tags, comps, names, css: document.styleSheets.length, rules: [...document.styleSheets].reduce((a, s) => a + s.cssRules.length, 0) }
})
console.log(JSON.stringify(r, null, 1))
await ctx.close(); await stack.close()
