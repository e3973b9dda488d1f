#!/usr/bin/env node
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {versionLine} from './version.js'

// Start-up is part of every command. oclif's package entry checks the Node version against oclif's
// own `engines` with semver (a tenth of start-up); probediff's package.json states its own.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const version = process.argv[2] === '--version' ? versionLine(new URL('..', import.meta.url)) : undefined
if (version !== undefined) process.stdout.write(`${version}\n`)
else {
  // oclif and every command in one file with its code cache (`npm run build`: scripts/bundle.js).
  const {loadBundle} = await import('./load-bundle.js')
  const root = dirname(dirname(fileURLToPath(import.meta.url)))
  await loadBundle(root).run(root)
}
