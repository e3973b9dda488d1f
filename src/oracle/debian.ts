/**
 * Debian's linux-source-X package as a kernel tree for the oracle: downloaded by name with apt-get
 * (bookworm's 6.1 through the system apt, bullseye's 5.10 and trixie's 6.12 through
 * scripts/debian-apt.sh), and only the files the oracle reads extracted from its tarball, into
 * $PROBEDIFF_CACHE/oracle/debian/<series>/.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {oracleCacheDir} from './paths.js'
import {OracleBuildError, TREE_FILES} from './recipe.js'
import type {KernelSeries as DebianSeries} from '../model/series.js'

/** Every kernel series is a Debian linux-source; `mainline`: the newest in trixie-backports (7.x when this was written). */
export {KERNEL_SERIES as DEBIAN_SERIES, type KernelSeries as DebianSeries} from '../model/series.js'

/** Which suite carries each series, and whether the system apt already points at it. */
const SUITE: Readonly<Record<DebianSeries, {suite: string; systemApt: boolean}>> = {
  '5.10': {suite: 'bullseye', systemApt: false},
  '6.1': {suite: 'bookworm', systemApt: true},
  '6.12': {suite: 'trixie', systemApt: false},
  mainline: {suite: 'trixie-backports', systemApt: false},
}

/** The package of a series: linux-source-<series>, or for mainline the newest one the suite has. */
function packageFor(series: DebianSeries): string {
  if (series !== 'mainline') return `linux-source-${series}`
  const r = spawnSync(join(scriptsDir(), 'debian-apt.sh'), [SUITE.mainline.suite, 'apt-cache', 'search', '--names-only', '^linux-source-[0-9.]+$'], {encoding: 'utf8'})
  const versions = [...(r.stdout ?? '').matchAll(/^linux-source-(\d+)\.(\d+) /gm)].map((m) => [Number(m[1]), Number(m[2])] as const)
  versions.sort((a, b) => b[0] - a[0] || b[1] - a[1])
  if (!versions[0]) throw new OracleBuildError(`no linux-source package found in ${SUITE.mainline.suite}${r.stderr ? `: ${r.stderr.trim().split('\n').pop()}` : ''}`)
  return `linux-source-${versions[0][0]}.${versions[0][1]}`
}

export interface DebianTree {
  readonly series: DebianSeries
  readonly dir: string
  /** Debian package version, e.g. 6.1.192-2. */
  readonly packageVersion: string
}

function scriptsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  return join(here, '..', '..', 'scripts')
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(cmd, args, {cwd, encoding: 'utf8', maxBuffer: 16 << 20})
  if (r.error) throw new OracleBuildError(`${what}: cannot run ${cmd}: ${r.error.message}`)
  if (r.status !== 0) {
    const tail = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')
    throw new OracleBuildError(`${what} failed (exit ${r.status}): ${tail}`)
  }
}

/** The linux-source .deb of a series in $PROBEDIFF_CACHE/oracle/debian/<series>/download (fetched if absent). */
function downloadSourcePackage(series: DebianSeries): {dl: string; pkg: string; deb: string; packageVersion: string} {
  const dl = join(oracleCacheDir(), 'debian', series, 'download')
  mkdirSync(dl, {recursive: true})
  const have = readdirSync(dl).find((f) => /^linux-source-[\d.]+_.*\.deb$/.test(f))
  const pkg = have ? have.slice(0, have.indexOf('_')) : packageFor(series)
  let deb = have
  if (!deb) {
    const {suite, systemApt} = SUITE[series]
    if (systemApt) run('apt-get', ['download', pkg], dl, `apt-get download ${pkg}`)
    else run(join(scriptsDir(), 'debian-apt.sh'), [suite, 'apt-get', 'download', pkg], dl, `debian-apt.sh ${suite} apt-get download ${pkg}`)
    deb = readdirSync(dl).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
    if (!deb) throw new OracleBuildError(`apt-get download ${pkg} left no ${pkg}_*.deb in ${dl}`)
  }
  return {dl, pkg, deb, packageVersion: deb.slice(pkg.length + 1).replace(/_all\.deb$/, '')}
}

/**
 * The kernel's KTAP parser (tools/testing/kunit/*.py of linux-source-<series>), extracted once into
 * $PROBEDIFF_CACHE/oracle/debian/<series>/kunit/tools/testing/kunit/ (kunit.py finds itself by that path):
 * what checks `regress --output ktap`. Returns the directory holding kunit.py.
 * @public called from scripts/ci-ktap-check.sh through dist/
 */
export function ensureDebianKunitTools(series: DebianSeries): string {
  const dir = join(oracleCacheDir(), 'debian', series, 'kunit')
  const tools = join(dir, 'tools', 'testing', 'kunit')
  if (existsSync(join(tools, 'kunit_parser.py'))) return tools
  const {dl, pkg, deb} = downloadSourcePackage(series)
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, {recursive: true, force: true})
  mkdirSync(tmp, {recursive: true})
  const script =
    `set -o pipefail; dpkg-deb --fsys-tarfile '${join(dl, deb)}' | tar -xO './usr/src/${pkg}.tar.xz' | ` +
    `tar -xJ --wildcards --strip-components=1 -C '${tmp}' '${pkg}/tools/testing/kunit/*.py'`
  const r = spawnSync('bash', ['-c', script], {encoding: 'utf8', maxBuffer: 16 << 20})
  if (r.error || !existsSync(join(tmp, 'tools', 'testing', 'kunit', 'kunit_parser.py'))) {
    rmSync(tmp, {recursive: true, force: true})
    throw new OracleBuildError(`extracting tools/testing/kunit from ${deb}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`)
  }
  rmSync(dir, {recursive: true, force: true})
  renameSync(tmp, dir)
  rmSync(join(dl, deb), {force: true})
  return tools
}

/** Downloads (once) and unpacks (once) the oracle's files of Debian's linux-source-<series>. */
export function ensureDebianTree(series: DebianSeries): DebianTree {
  const base = join(oracleCacheDir(), 'debian', series)
  // The marker names the package version and the file list extracted: a longer list re-extracts.
  const marker = join(base, 'tree', '.probediff-package')
  const fileList = TREE_FILES.join(' ')
  if (existsSync(marker)) {
    const [version, files] = readFileSync(marker, 'utf8').split('\n')
    if (files === fileList) return {series, dir: join(base, 'tree'), packageVersion: version!.trim()}
  }

  const {dl, pkg, deb, packageVersion} = downloadSourcePackage(series)

  // Stream the tarball out of the .deb and extract only the named files (tar --wildcards).
  const tmp = join(base, `tree.tmp-${process.pid}`)
  rmSync(tmp, {recursive: true, force: true})
  mkdirSync(tmp, {recursive: true})
  const patterns = TREE_FILES.map((f) => `'${pkg}/${f}'`).join(' ')
  const script =
    `set -o pipefail; dpkg-deb --fsys-tarfile '${join(dl, deb)}' | tar -xO './usr/src/${pkg}.tar.xz' | ` +
    `tar -xJ --wildcards --strip-components=1 -C '${tmp}' ${patterns} 2>&1 | grep -v 'Not found in archive' | grep -v 'Exiting with failure' || true`
  const r = spawnSync('bash', ['-c', script], {encoding: 'utf8', maxBuffer: 16 << 20})
  if (r.error) throw new OracleBuildError(`extracting ${deb}: ${r.error.message}`)
  const missing = ['drivers/virtio/virtio_pci_common.c', 'drivers/pci/pci.c', 'Makefile'].filter((f) => !existsSync(join(tmp, f)))
  if (missing.length) {
    rmSync(tmp, {recursive: true, force: true})
    throw new OracleBuildError(`extracting ${deb}: ${missing.join(', ')} not found in the package tarball${r.stdout ? ` (${r.stdout.trim()})` : ''}`, missing[0])
  }
  writeFileSync(join(tmp, '.probediff-package'), `${packageVersion}\n${fileList}\n`)
  rmSync(join(base, 'tree'), {recursive: true, force: true})
  renameSync(tmp, join(base, 'tree'))
  // The tree is all the oracle needs; the package (120-170 MB) is downloaded again if the file list grows.
  rmSync(join(dl, deb), {force: true})
  return {series, dir: join(base, 'tree'), packageVersion}
}
