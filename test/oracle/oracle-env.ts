/**
 * Oracle builds for the tests: a cached build for the profile, else one built now from Debian's
 * linux-source package (downloaded only in CI, or if it is already cached). Outside CI, tests that need
 * an oracle are skipped with a visible notice when gcc or the sources are missing; in CI they fail.
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {buildOracle} from '../../src/oracle/build.js'
import {type DebianSeries, ensureDebianTree} from '../../src/oracle/debian.js'
import {KERNEL_SERIES} from '../../src/model/series.js'
import {oracleCacheDir} from '../../src/oracle/paths.js'
import {resolveOracle} from '../../src/oracle/resolve.js'

export const PROFILES = KERNEL_SERIES

export const IN_CI = !['', '0', 'false', undefined].includes(process.env.CI)

export function hasGcc(): boolean {
  return spawnSync(process.env.CC ?? 'gcc', ['--version']).status === 0
}

const built = new Map<string, string | undefined>()

/** The harness binary for a Debian series, building it if that can be done here; else undefined. */
export function oracleBinary(series: DebianSeries): string | undefined {
  if (built.has(series)) return built.get(series)
  let binary = resolveOracle('auto', series)?.binary
  if (!binary && hasGcc()) {
    const treeCached = existsSync(join(oracleCacheDir(), 'debian', series, 'tree', '.probediff-package'))
    if (treeCached || IN_CI) {
      const tree = ensureDebianTree(series)
      binary = buildOracle({kernelSource: tree.dir, label: `debian-${series} ${tree.packageVersion}`}).binary
    }
  }
  built.set(series, binary)
  return binary
}

/** The Debian tree of a series if it is here (or, in CI, can be fetched). */
export function debianTree(series: DebianSeries): string | undefined {
  const cached = existsSync(join(oracleCacheDir(), 'debian', series, 'tree', '.probediff-package'))
  if (!cached && !IN_CI) return undefined
  return ensureDebianTree(series).dir
}

/** Prints why a suite is skipped (outside CI only; in CI the suite runs and fails instead). */
export function availability(what: string, ok: boolean): boolean {
  if (!ok && !IN_CI) {
    console.warn(`\n[oracle tests] SKIPPED ${what}: no oracle build and no cached Debian sources or gcc. ` +
      `Run \`probediff oracle build --debian SERIES\` (${KERNEL_SERIES.join(', ')}) to enable.\n`)
  }
  return ok || IN_CI
}
