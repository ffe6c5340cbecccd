/** Page navigation shared by the shell and its parts: signed-in pages replace each other. */

export type PageName = 'login' | 'numbers' | 'dial' | 'history'

export function pageUrl(name: PageName, query?: Record<string, string>): string {
  const base = `/src/pages/${name}/index`
  if (!query) return base
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&')
  return search ? `${base}?${search}` : base
}

/** reLaunch, not navigateTo: the bottom nav switches pages without growing a back stack. */
export function openPage(name: PageName, query?: Record<string, string>): void {
  uni.reLaunch({ url: pageUrl(name, query) })
}

/** The name of the page on top, e.g. 'dial' for `src/pages/dial/index`. */
export function currentPageName(): string {
  try {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
    const route = pages.length > 0 ? (pages[pages.length - 1].route ?? '') : ''
    const match = /pages\/([^/]+)\/index/.exec(route)
    return match ? match[1] : ''
  } catch {
    return ''
  }
}
