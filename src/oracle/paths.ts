/** Where the oracle keeps downloaded kernel sources and builds, and where its C glue lives. */
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {probediffCacheDir} from '../util/cache-dir.js'

export function oracleCacheDir(): string {
  return join(probediffCacheDir(), 'oracle')
}

/** The glue sources (oracle_glue.c, include/): next to this module in src/, or found from dist/. */
export function harnessSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'harness'), join(here, '..', '..', 'src', 'oracle', 'harness')]
  for (const c of candidates) if (existsSync(join(c, 'oracle_glue.c'))) return c
  throw new Error(`probediff oracle: glue sources not found (looked in ${candidates.join(', ')})`)
}
