// `npm run dev`: the token backend (mock mode unless TCCC credentials are set) and the H5 app
// on the simulated platform, started together and stopped together.
import { spawn } from 'node:child_process'
import { stopWhenOrphaned } from './parentWatch.mjs'

const tokenPort = process.env.TOKEN_PORT ?? '8787'
const port = process.env.PORT ?? '5173'
const env = { ...process.env, TOKEN_PORT: tokenPort, PORT: port }

const children = [
  spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { env, stdio: 'inherit' }),
  spawn(process.execPath, ['scripts/uni.mjs'], { env, stdio: 'inherit' }),
]

let stopping = false
function stopAll(code = 0) {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 500).unref()
}

for (const child of children) child.on('exit', (code) => stopAll(code ?? 0))
process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))
// npm does not pass a SIGTERM on: stop with the npm that ran us.
stopWhenOrphaned(() => stopAll(0))
console.log(`Starting the token backend on http://localhost:${tokenPort}/ and the app on http://localhost:${port}/ …`)
