// Build config for bench/coldProfile.ts: the app's own config, not minified and with source
// maps, so CPU profiles name functions and source modules. Used as
// `UNI_OUTPUT_DIR=/tmp/h5-profile node scripts/uni.mjs build -c bench/profile.vite.config.ts`.
import { mergeConfig } from 'vite'
import base from '../vite.config'

export default mergeConfig(base, { build: { minify: false, sourcemap: true } })
