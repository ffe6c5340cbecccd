// Runs the uni CLI with this repository root as the uni-app project (UNI_INPUT_DIR must be an
// absolute path, or uni skips copying static/ into the bundle). Arguments pass through.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const cli = require.resolve('@dcloudio/vite-plugin-uni/bin/uni.js')
const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, UNI_INPUT_DIR: process.env.UNI_INPUT_DIR ?? process.cwd() },
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
