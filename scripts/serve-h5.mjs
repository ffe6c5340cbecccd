// Serves a built H5 bundle and proxies /api, /healthz and /mock to the token backend, the way
// a production reverse proxy would. Used by the e2e journeys, screenshots and benchmarks.
//   node scripts/serve-h5.mjs [dir] [port]   (env TOKEN_PORT: the backend's port)
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
}
const PROXIED = ['/api/', '/healthz', '/mock/']

/**
 * Starts the server; resolves with { url, port, close }. `backendPort` may be null (no proxy), or
 * a function asked per request: the journeys start this server first (its port goes into the
 * backend's PUBLIC_URL) and the backend after it, so neither port is picked and then bound later.
 */
export function serveH5({ dir, port = 0, backendPort: backendPortOption = null, host = '127.0.0.1' }) {
  const root = path.resolve(dir)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const backendPort = typeof backendPortOption === 'function' ? backendPortOption() : backendPortOption
    if (backendPort && PROXIED.some((p) => url.pathname === p.replace(/\/$/, '') || url.pathname.startsWith(p))) {
      const upstream = http.request(
        { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${backendPort}` } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      upstream.on('error', () => {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'BACKEND_UNREACHABLE', message: 'token backend unreachable' } }))
      })
      req.pipe(upstream)
      return
    }
    let file = path.join(root, decodeURIComponent(url.pathname))
    if (!file.startsWith(root)) {
      res.writeHead(403).end()
      return
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html')
    if (!fs.existsSync(file)) file = path.join(root, 'index.html') // hash router: every path is the app
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' })
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const actual = server.address().port
      resolve({ url: `http://localhost:${actual}/`, port: actual, close: () => new Promise((r) => server.close(() => r())) })
    })
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2] ?? 'dist/build/h5'
  const port = Number(process.argv[3] ?? process.env.PORT ?? 4173)
  const backendPort = Number(process.env.TOKEN_PORT ?? 8787)
  serveH5({ dir, port, backendPort, host: 'localhost' }).then(({ url }) => console.log(`Serving ${dir} at ${url} (backend :${backendPort})`))
}
