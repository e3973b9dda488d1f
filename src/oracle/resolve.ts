/**
 * `--oracle PATH|auto`: a harness binary, a build directory, or the newest cached build whose kernel
 * version belongs to the profile's series (e.g. profile 6.1 -> a build of 6.1.x) and whose glue is
 * this probediff's (a build from older glue is rebuilt, not used).
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {HARNESS_BINARY, MANIFEST, type OracleManifest, currentGlueHash} from './build.js'
import {type KernelProfile, profileFor} from '../model/profiles.js'
import {oracleCacheDir} from './paths.js'

export interface ResolvedOracle {
  readonly binary: string
  readonly manifest?: OracleManifest
}

export function listCachedBuilds(): ResolvedOracle[] {
  const root = join(oracleCacheDir(), 'builds')
  if (!existsSync(root)) return []
  const out: ResolvedOracle[] = []
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    const binary = join(dir, HARNESS_BINARY)
    const manifestPath = join(dir, MANIFEST)
    if (!existsSync(binary) || !existsSync(manifestPath)) continue
    try {
      out.push({binary, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as OracleManifest})
    } catch {
      // a half-written or foreign directory: not a build
    }
  }
  return out
}

/** The newest fixed series; `mainline` means any build newer than it. */
const NEWEST_SERIES = [6, 12]

/** True if a kernel version string (6.1.192) belongs to a profile series (6.1, or mainline for > 6.12). */
export function versionInSeries(version: string, series: string): boolean {
  if (series === 'mainline') {
    const m = /^(\d+)\.(\d+)/.exec(version)
    return !!m && (Number(m[1]) > NEWEST_SERIES[0]! || (Number(m[1]) === NEWEST_SERIES[0] && Number(m[2]) > NEWEST_SERIES[1]!))
  }
  return version === series || version.startsWith(series + '.') || version.startsWith(series + '-')
}

/** Resolves PATH or `auto` for a profile series; undefined when `auto` finds no build. */
export function resolveOracle(spec: string, series: string): ResolvedOracle | undefined {
  if (spec !== 'auto') {
    const binary = existsSync(spec) && statSync(spec).isDirectory() ? join(spec, HARNESS_BINARY) : spec
    if (!existsSync(binary)) throw new Error(`no oracle harness at ${binary} (build one with: probediff oracle build)`)
    const manifestPath = join(binary, '..', MANIFEST)
    const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as OracleManifest) : undefined
    return {binary, manifest}
  }
  const glue = currentGlueHash()
  const matching = listCachedBuilds().filter((b) => b.manifest && b.manifest.glueHash === glue && versionInSeries(b.manifest.kernelVersion, series))
  matching.sort((a, b) => (b.manifest!.builtAt ?? '').localeCompare(a.manifest!.builtAt ?? ''))
  return matching[0]
}

/**
 * The model profile an oracle is compared with: the release it was built from (its manifest's kernel
 * version, e.g. 6.1.192 -> profile 6.1 at 6.1.192). Undefined for a bare binary without a manifest.
 */
export function oracleProfile(oracle: ResolvedOracle): KernelProfile | undefined {
  const version = oracle.manifest?.kernelVersion
  return version ? profileFor(version) : undefined
}
