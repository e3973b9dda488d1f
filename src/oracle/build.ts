/**
 * Builds the oracle harness for one kernel tree: plans the translation units (recipe.ts), writes them
 * with the copied kernel headers into a fresh build directory, compiles them with the glue using gcc,
 * and caches the result under a sha256 of everything that went in.
 */
import {createHash} from 'node:crypto'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {harnessSourceDir, oracleCacheDir} from './paths.js'
import {type BuildPlan, OracleBuildError, planBuild, providedNames} from './recipe.js'
import {KernelTree} from './tree.js'

/** Bumped when the harness layout changes in a way the hashed sources do not show. */
const RECIPE_VERSION = 'oracle-recipe-3'
export const HARNESS_BINARY = 'probediff-oracle'
export const MANIFEST = 'manifest.json'

export interface OracleManifest {
  readonly recipe: string
  readonly hash: string
  /** Hash of the glue and recipe alone: a build whose glue is out of date is not picked by `auto`. */
  readonly glueHash?: string
  readonly kernelVersion: string
  readonly kernelSource: string
  /** Built with gcov instrumentation: the .gcno files sit next to the binary. */
  readonly coverage?: boolean
  /** Free-form label (e.g. `debian-6.1`) used by `auto` resolution. */
  readonly label?: string
  readonly builtAt: string
  readonly buildSeconds: number
  readonly compiler: string
  readonly units: readonly {readonly name: string; readonly symbols: readonly string[]}[]
}

export interface BuildOptions {
  readonly kernelSource: string
  /** Build directory; default: $PROBEDIFF_CACHE/oracle/builds/<version>-<hash>. */
  readonly outDir?: string
  /** Where cached builds go instead of $PROBEDIFF_CACHE/oracle/builds (regress keeps its builds apart,
   * so that a patched tree is never what `--oracle auto` picks). */
  readonly cacheRoot?: string
  readonly label?: string
  readonly cc?: string
  /** Build with gcov instrumentation (-O0 --coverage): see oracle/coverage.ts. */
  readonly coverage?: boolean
}

export interface BuildResult {
  readonly binary: string
  readonly dir: string
  readonly manifest: OracleManifest
  readonly cached: boolean
}

export function buildOracle(opts: BuildOptions): BuildResult {
  const tree = new KernelTree(opts.kernelSource)
  const glueDir = harnessSourceDir()
  const plan = planBuild(tree, providedNames(readFileSync(join(glueDir, 'include', 'oracle_kernel.h'), 'utf8')))
  const glueFiles = listFiles(glueDir)
  const hash = cacheKey(plan, glueDir, glueFiles, opts.coverage === true)
  const cacheRoot = opts.cacheRoot ?? join(oracleCacheDir(), 'builds')
  const dir = opts.outDir ?? join(cacheRoot, `${plan.kernelVersion}-${hash.slice(0, 12)}`)
  const manifestPath = join(dir, MANIFEST)
  if (existsSync(join(dir, HARNESS_BINARY)) && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as OracleManifest
    if (manifest.hash === hash) return {binary: join(dir, HARNESS_BINARY), dir, manifest, cached: true}
  }

  const started = process.hrtime.bigint()
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, {recursive: true, force: true})
  mkdirSync(tmp, {recursive: true})
  try {
    for (const h of plan.headers) writeAt(join(tmp, 'kinc'), h.dest, h.text)
    writeForwardingHeaders(tmp, plan)
    const cfiles: string[] = []
    for (const u of plan.units) {
      const p = join(tmp, `${u.name}.c`)
      writeFileSync(p, u.text)
      cfiles.push(p)
    }
    const cc = opts.cc ?? process.env.CC ?? 'gcc'
    const args = [
      '-std=gnu11',
      ...(opts.coverage ? ['-O0', '--coverage'] : ['-O1']),
      '-w',
      '-Werror=implicit-function-declaration',
      '-fno-strict-aliasing',
      '-fno-common',
      `-DORACLE_DRIVER_NAME="${plan.driverName}"`,
      '-I', join(tmp, 'kinc'),
      '-I', join(tmp, 'forward'),
      '-I', join(glueDir, 'include'),
      ...cfiles,
      join(glueDir, 'oracle_glue.c'),
      '-o', join(tmp, HARNESS_BINARY),
      `-Wl,${plan.wraps.map((w) => `--wrap=${w}`).join(',')}`,
    ]
    const res = spawnSync(cc, args, {cwd: tmp, encoding: 'utf8', maxBuffer: 16 << 20})
    if (res.error) throw new OracleBuildError(`cannot run ${cc}: ${res.error.message}`, cc)
    if (res.status !== 0) throw compileError(res.stderr ?? '', tmp)
    const manifest: OracleManifest = {
      recipe: RECIPE_VERSION,
      hash,
      glueHash: currentGlueHash(),
      kernelVersion: plan.kernelVersion,
      kernelSource: opts.kernelSource,
      ...(opts.coverage ? {coverage: true} : {}),
      label: opts.label,
      builtAt: new Date().toISOString(),
      buildSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      compiler: compilerVersion(cc),
      units: plan.units.map((u) => ({name: u.name, symbols: u.extracted.map((e) => `${e.file}:${e.line}:${e.name}`)})),
    }
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    rmSync(dir, {recursive: true, force: true})
    mkdirSync(dirname(dir), {recursive: true})
    renameSync(tmp, dir)
    if (!opts.outDir) pruneStaleBuilds(cacheRoot, manifest)
    return {binary: join(dir, HARNESS_BINARY), dir, manifest, cached: false}
  } catch (err) {
    rmSync(tmp, {recursive: true, force: true})
    throw err
  }
}

/** The code that assembles a harness (this module and the extractor): part of every cache key. */
function assemblerSources(): string[] {
  const here = dirname(fileURLToPath(import.meta.url))
  return readdirSync(here)
    .filter((f) => /^(build|recipe|extract|csource)\.(ts|js)$/.test(f))
    .sort()
    .map((f) => readFileSync(join(here, f), 'utf8'))
}

/** Older cached builds of the same tree and label (other glue or assembler): only the newest is kept. */
function pruneStaleBuilds(root: string, fresh: OracleManifest): void {
  for (const name of readdirSync(root)) {
    const manifestPath = join(root, name, MANIFEST)
    if (!existsSync(manifestPath)) continue
    try {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as OracleManifest
      const sameTree = m.kernelSource === fresh.kernelSource && m.label === fresh.label && m.kernelVersion === fresh.kernelVersion && m.coverage === fresh.coverage
      if (sameTree && m.hash !== fresh.hash) rmSync(join(root, name), {recursive: true, force: true})
    } catch {
      // not a build of ours
    }
  }
}

function cacheKey(plan: BuildPlan, glueDir: string, glueFiles: string[], coverage: boolean): string {
  const h = createHash('sha256')
  h.update(RECIPE_VERSION + (coverage ? '+gcov' : '') + '\0')
  for (const text of assemblerSources()) h.update(text + '\0')
  for (const f of plan.sources) h.update(`${f.path}\0${f.text}\0`)
  for (const f of glueFiles) h.update(`${relative(glueDir, f)}\0${readFileSync(f, 'utf8')}\0`)
  return h.digest('hex')
}

/**
 * The hash of the glue sources and recipe version this probediff would build with (not of the
 * TypeScript assembler, so that a build made from src/ and one made from dist/ resolve alike).
 */
export function currentGlueHash(): string {
  const glueDir = harnessSourceDir()
  const h = createHash('sha256')
  h.update(RECIPE_VERSION + '\0')
  for (const f of listFiles(glueDir)) h.update(`${relative(glueDir, f)}\0${readFileSync(f, 'utf8')}\0`)
  return h.digest('hex')
}

function listFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...listFiles(p))
    else out.push(p)
  }
  return out.sort()
}

function writeAt(root: string, rel: string, text: string): void {
  const p = join(root, rel)
  mkdirSync(dirname(p), {recursive: true})
  writeFileSync(p, text)
}

/** Every <...> header the copied kernel headers include that we do not have: forward it to the stub kernel. */
function writeForwardingHeaders(tmp: string, plan: BuildPlan): void {
  const have = new Set(plan.headers.map((h) => h.dest))
  const wanted = new Set<string>()
  for (const h of plan.headers) {
    for (const m of h.text.matchAll(/^\s*#\s*include\s*[<"]([^>"]+)[>"]/gm)) wanted.add(m[1]!)
  }
  for (const w of wanted) {
    if (have.has(w) || !w.includes('/')) continue
    writeAt(join(tmp, 'forward'), w, '#include "oracle_kernel.h"\n')
  }
}

/** The first compiler or linker error, named by the kernel file (via #line) or the missing symbol. */
function compileError(stderr: string, tmp: string): OracleBuildError {
  const lines = stderr.split('\n').map((l) => l.replaceAll(tmp + '/', ''))
  const err = lines.find((l) => /\berror\b/.test(l)) ?? lines.find(Boolean) ?? 'compiler failed'
  const undefinedRef = /undefined reference to `([^']+)'/.exec(stderr)
  if (undefinedRef) {
    return new OracleBuildError(`link failed: undefined reference to ${undefinedRef[1]} (not provided by the kernel files or the glue)`, undefined, undefinedRef[1])
  }
  const loc = /^([^:\s]+):(\d+):(?:\d+:)?\s*(?:fatal )?error:\s*(.*)$/.exec(err)
  if (loc) {
    const symbol = /'([^']+)'/.exec(loc[3]!)?.[1]
    return new OracleBuildError(`compile failed: ${loc[1]}:${loc[2]}: ${loc[3]}`, loc[1], symbol)
  }
  return new OracleBuildError(`compile failed: ${err}`)
}

function compilerVersion(cc: string): string {
  try {
    return execFileSync(cc, ['--version'], {encoding: 'utf8'}).split('\n')[0] ?? cc
  } catch {
    return cc
  }
}
