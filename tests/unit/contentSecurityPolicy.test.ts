// @vitest-environment node
import { describe, expect, it } from 'vitest'
import type { IndexHtmlTransformHook, Plugin, ResolvedConfig } from 'vite'
import { contentSecurityPolicy, contentSecurityPolicyPlugin } from '../../build/contentSecurityPolicy'

function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(policy.split('; ').map((d) => { const [name, ...sources] = d.split(' '); return [name, sources] }))
}

/** Runs the plugin as a build with these VITE_ variables in the environment; returns its tags. */
function tagsFor(env: Record<string, string>): unknown {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    const plugin = contentSecurityPolicyPlugin() as Plugin & { configResolved: (c: ResolvedConfig) => void; transformIndexHtml: { handler: IndexHtmlTransformHook } }
    plugin.configResolved({ mode: 'production', root: '/nonexistent', envDir: '/nonexistent' } as ResolvedConfig)
    return plugin.transformIndexHtml.handler('', { path: '/index.html', filename: 'index.html' })
  } finally {
    for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}

describe('content security policy (H5 web build)', () => {
  it('allows scripts only from the app and the TCCC SDK hosts, connections also to the backend', () => {
    const policy = directives(contentSecurityPolicy({ sdkHosts: ['tccc.qcloud.com'], backendUrl: 'https://tokens.example.com/base' }))
    expect(policy['default-src']).toEqual(["'self'"])
    expect(policy['script-src']).toEqual(["'self'", 'https://tccc.qcloud.com'])
    expect(policy['connect-src']).toEqual(["'self'", 'https://tokens.example.com', 'https://tccc.qcloud.com', 'wss://tccc.qcloud.com'])
    expect(policy['object-src']).toEqual(["'none'"])
    expect(policy['base-uri']).toEqual(["'self'"])
    // Never a wildcard, never inline or eval'd script.
    for (const sources of Object.values(policy)) expect(sources.join(' ')).not.toMatch(/\*|unsafe-eval|^http:/)
    expect(policy['script-src'].join(' ')).not.toContain('unsafe-inline')
  })

  it('leaves the same-origin backend to self', () => {
    const policy = directives(contentSecurityPolicy({ sdkHosts: ['a.example', 'b.example'], backendUrl: '' }))
    expect(policy['connect-src']).toEqual(["'self'", 'https://a.example', 'https://b.example', 'wss://a.example', 'wss://b.example'])
  })

  it('is injected into index.html for the web platform build only, from VITE_TCCC_SDK_HOSTS', () => {
    const tags = tagsFor({ VITE_TCCC_PLATFORM: 'web', VITE_TCCC_SDK_HOSTS: 'sdk.example.com', VITE_TOKEN_BACKEND_URL: 'https://tokens.example.com' }) as Array<{ tag: string; attrs: Record<string, string>; injectTo: string }>
    expect(tags).toHaveLength(1)
    expect(tags[0]).toMatchObject({ tag: 'meta', injectTo: 'head-prepend', attrs: { 'http-equiv': 'Content-Security-Policy' } })
    expect(directives(tags[0].attrs.content)['script-src']).toEqual(["'self'", 'https://sdk.example.com'])
    expect(tagsFor({ VITE_TCCC_PLATFORM: 'simulated' })).toBeUndefined()
  })

  it('does not run in development (the dev server keeps its HMR client)', () => {
    expect(contentSecurityPolicyPlugin().apply).toBe('build')
  })
})
