/**
 * `capture --lspci`: the real pciutils runs inside the guest after the probe. Debian's lspci, the
 * shared libraries it links (its DT_NEEDED closure, read from the ELF files) and pci.ids are copied
 * from a pciutils tree (the guest release's packages unpacked by scripts/setup-qemu.sh, or this
 * host's installed copy) into the initramfs; /init runs `lspci -vvv -xxx -nn -k -D` and prints its
 * output through the serial console, every line tagged, with its exit status and line count, so a
 * lost or mangled line is detected. The host writes the output, byte for byte, to lspci.txt.
 *
 * For `-k`'s "Kernel modules:" libkmod needs the kernel's binary module index (modules.*.bin under
 * /lib/modules/RELEASE), which Debian builds with depmod at install time: scripts/setup-qemu.sh runs
 * depmod over the whole module tree into the pciutils tree; without it lspci names only the driver in use.
 *
 * lspci reads config space through sysfs, so those reads are in the QEMU trace too, after the probe.
 */
import {lstat, readdir, readFile, readlink} from 'node:fs/promises'
import {basename, join} from 'node:path'
import {probediffCacheDir} from '../util/cache-dir.js'
import {UsageError} from '../util/errors.js'
import {archCacheDir, archProfile, type GuestArch} from './arch.js'
import {neededLibraries, programInterpreter} from './elf.js'
import {CaptureFailure} from './errors.js'
import type {KernelSeries} from './kernel-source.js'

export const LSPCI_FILE = 'lspci.txt'
export const LSPCI_ARGS = ['-vvv', '-xxx', '-nn', '-k', '-D'] as const
export const LSPCI_COMMAND = ['lspci', ...LSPCI_ARGS].join(' ')
export const LSPCI_BEGIN = '===PROBEDIFF-LSPCI-BEGIN==='
export const LSPCI_END = '===PROBEDIFF-LSPCI-END==='
const LINE_TAG = '@@PDLSPCI'

/** Busybox applets the lspci step needs in the initramfs. */
export const LSPCI_APPLETS = ['sed', 'wc']

/** Where lspci and its files go in the guest. */
const GUEST_LSPCI = 'usr/bin/lspci'
const PCI_IDS = 'usr/share/misc/pci.ids'
/** The guest's library directory: Debian's multiarch one. */
const guestLibDir = (arch: GuestArch) => `lib/${archProfile(arch).multiarch}`
/** Where a Debian tree keeps shared libraries (multiarch first; usr-merged trees are handled below). */
const libraryDirs = (arch: GuestArch) => [guestLibDir(arch), `usr/${guestLibDir(arch)}`, 'lib64', 'usr/lib64', 'lib', 'usr/lib']
const LSPCI_PATHS = ['usr/bin/lspci', 'bin/lspci', 'usr/sbin/lspci', 'sbin/lspci']
const MAX_SYMLINK_HOPS = 40

/** A directory laid out like a Debian root holding pciutils: this host ("/") or an unpacked suite. */
export interface PciutilsTree {
  readonly root: string
  /** "pciutils 1:3.9.0-4", "libpci3 ...": the packages it was unpacked from, pciutils first. */
  readonly packages: readonly string[]
  /** The architecture of its binaries. */
  readonly arch: GuestArch
}

export function pciutilsCacheDir(arch: GuestArch = 'amd64'): string {
  return archCacheDir('pciutils', arch)
}

/**
 * The pciutils a guest runs: the kernel's own Debian suite when the kernel is a cached series (as on a
 * machine installed from that release), otherwise this host's installed pciutils (amd64 guests only).
 */
export async function pciutilsFor(series: KernelSeries | undefined, cacheDir?: string, arch: GuestArch = 'amd64'): Promise<PciutilsTree> {
  if (!series && arch !== 'amd64') throw new UsageError(`--lspci on an ${arch} guest needs --kernel-series (the suite's ${arch} pciutils); this host's lspci is amd64`)
  const root = series ? join(cacheDir ?? pciutilsCacheDir(arch), series) : '/'
  if (!(await findLspci(root))) {
    const flag = arch === 'amd64' ? `--kernels ${series}` : `--${arch}-kernels ${series}`
    throw new UsageError(series
      ? `no cached ${arch === 'amd64' ? '' : `${arch} `}pciutils for kernel series ${series} in ${root} (run scripts/setup-qemu.sh ${flag})`
      : 'lspci not found on this host (install Debian package pciutils); --lspci copies it into the guest')
  }
  const version = series ? await readFile(join(root, 'version'), 'utf8').catch(() => '') : ''
  return {root, packages: version.split('\n').map((l) => l.trim()).filter((l) => l !== ''), arch}
}

export interface GuestFile {
  /** Path in the initramfs, relative ("usr/bin/lspci"). */
  readonly path: string
  readonly data: Buffer
  readonly mode: number
}

export interface LspciGuestFiles {
  readonly files: readonly GuestFile[]
  /** The sonames copied, in the order they were found. */
  readonly libraries: readonly string[]
  /** The module index files copied (modules.alias.bin, ...); empty when the tree has none for the release. */
  readonly moduleIndex: readonly string[]
  /** The guest directory holding the libraries (lspci's LD_LIBRARY_PATH). */
  readonly libDir: string
}

/**
 * lspci, its program interpreter, every library it needs (recursively) and pci.ids, from `tree`; and the
 * tree's module index for the guest's kernel `release`, when there is one.
 */
export async function lspciGuestFiles(tree: PciutilsTree, release?: string): Promise<LspciGuestFiles> {
  const lspciPath = await findLspci(tree.root)
  if (!lspciPath) throw new UsageError(`no lspci in ${tree.root}`)
  const lspci = await readFile(lspciPath)
  const interp = programInterpreter(lspci)
  if (!interp) throw new UsageError(`${lspciPath} has no program interpreter; expected Debian's dynamically linked lspci`)
  const files: GuestFile[] = [{path: GUEST_LSPCI, data: lspci, mode: 0o755}]
  files.push({path: interp.replace(/^\/+/, ''), data: await readTreeFile(tree.root, interp, 'the program interpreter'), mode: 0o755})

  const libraries: string[] = []
  const queue = neededLibraries(lspci)
  const seen = new Set([basename(interp)])
  while (queue.length > 0) {
    const soname = queue.shift() as string
    if (seen.has(soname)) continue
    seen.add(soname)
    const found = await findLibrary(tree.root, soname, tree.arch)
    if (!found) throw new UsageError(`${soname}, needed by lspci, is not in ${tree.root} (${libraryDirs(tree.arch).join(', ')})`)
    const data = await readFile(found)
    queue.push(...neededLibraries(data))
    libraries.push(soname)
    files.push({path: `${guestLibDir(tree.arch)}/${soname}`, data, mode: 0o755})
  }
  files.push({path: PCI_IDS, data: await readTreeFile(tree.root, PCI_IDS, 'pci.ids (Debian package pci.ids)'), mode: 0o644})
  const moduleIndex: string[] = []
  if (release && !release.includes('/')) {
    const dir = `lib/modules/${release}`
    const names = await readdir(join(tree.root, dir)).catch(() => [] as string[])
    for (const name of names.filter((n) => /^modules\.[a-z.]+\.bin$/.test(n)).sort()) {
      files.push({path: `${dir}/${name}`, data: await readFile(join(tree.root, dir, name)), mode: 0o644})
      moduleIndex.push(name)
    }
  }
  return {files, libraries, moduleIndex, libDir: guestLibDir(tree.arch)}
}

/** The /init lines that run lspci and print what it wrote (after the kernel log, before power-off). */
export function lspciScript(libDir: string): string[] {
  const env = `LD_LIBRARY_PATH=/${libDir}`
  return [
    `# probediff capture --lspci: the real lspci, after the probe; every output line tagged, then its status.`,
    `echo ${LSPCI_BEGIN}`,
    `${env} /${GUEST_LSPCI} --version 2>&1 | sed "s/^/${LINE_TAG} version /"`,
    `${env} /${GUEST_LSPCI} ${LSPCI_ARGS.join(' ')} >/tmp/lspci.out 2>/tmp/lspci.err`,
    'status=$?',
    `sed "s/^/${LINE_TAG} out /" /tmp/lspci.out`,
    `sed "s/^/${LINE_TAG} err /" /tmp/lspci.err`,
    `echo "${LINE_TAG} end $status $(wc -l < /tmp/lspci.out)"`,
    `echo ${LSPCI_END}`,
  ]
}

export interface GuestLspciRun {
  /** lspci's stdout, exactly as written in the guest. */
  readonly text: string
  /** `lspci --version` in the guest, e.g. "lspci version 3.9.0". */
  readonly version: string
  readonly stderr: readonly string[]
}

const TAGGED = new RegExp(`^${LINE_TAG} (version|out|err)(?: (.*))?$`)
const END_LINE = new RegExp(`^${LINE_TAG} end (\\d+) +(\\d+) *$`)

/**
 * What lspci printed between the markers of a console log. Throws a CaptureFailure when the block is
 * missing or damaged, or lspci failed (non-zero exit or no output): --lspci asked for its output.
 */
export function decodeLspciOutput(console: string): GuestLspciRun {
  const lines = console.replace(/\r/g, '').split('\n')
  const begin = lines.findIndex((l) => l.endsWith(LSPCI_BEGIN))
  const end = lines.findIndex((l, i) => i > begin && l.endsWith(LSPCI_END))
  if (begin < 0 || end < 0) {
    throw new CaptureFailure('no-dmesg', `the guest did not print a complete lspci block (${begin < 0 ? 'no begin marker' : 'no end marker'})`)
  }
  const out: string[] = []
  const stderr: string[] = []
  let version = ''
  let status: {exit: number; lines: number} | undefined
  for (const line of lines.slice(begin + 1, end)) {
    const fin = END_LINE.exec(line)
    if (fin) {
      status = {exit: Number(fin[1]), lines: Number(fin[2])}
      continue
    }
    const m = TAGGED.exec(line)
    if (!m) continue // a kernel line that slipped through is not lspci's
    const text = m[2] ?? ''
    if (m[1] === 'out') out.push(text)
    else if (m[1] === 'err') stderr.push(text)
    else version ||= text
  }
  if (!status) throw new CaptureFailure('no-dmesg', 'the lspci block is damaged: no status line')
  if (status.exit !== 0) throw new CaptureFailure('no-dmesg', `lspci failed in the guest (exit ${status.exit})`, stderr)
  if (out.length !== status.lines) {
    throw new CaptureFailure('no-dmesg', `the lspci block is damaged: ${out.length} lines decoded, the guest counted ${status.lines}`)
  }
  if (out.length === 0) throw new CaptureFailure('no-dmesg', 'lspci printed nothing in the guest', stderr)
  return {text: `${out.join('\n')}\n`, version, stderr}
}

async function findLspci(root: string): Promise<string | undefined> {
  for (const p of LSPCI_PATHS) {
    const found = await resolveInTree(root, p)
    if (found) return found
  }
  return undefined
}

async function findLibrary(root: string, soname: string, arch: GuestArch): Promise<string | undefined> {
  for (const dir of libraryDirs(arch)) {
    const found = await resolveInTree(root, `${dir}/${soname}`)
    if (found) return found
  }
  return undefined
}

async function readTreeFile(root: string, path: string, what: string): Promise<Buffer> {
  const found = await resolveInTree(root, path)
  if (!found) throw new UsageError(`${what} not found in ${root}: ${path}`)
  return readFile(found)
}

/**
 * The host path of the regular file `path` names inside the tree rooted at `root`, following symlinks
 * as the guest would (absolute targets are relative to the root); a missing top-level /lib, /lib64,
 * /bin or /sbin is looked up under /usr (usr-merged trees unpacked from .debs have only usr/...).
 */
async function resolveInTree(root: string, path: string): Promise<string | undefined> {
  const found = await walkInTree(root, path, 0)
  if (found) return found
  // A top-level lib/ that exists for other files (the module index in lib/modules) but not this one.
  const top = path.replace(/^\/+/, '').split('/')[0] ?? ''
  return USR_MERGED.test(top) ? walkInTree(root, `usr/${path.replace(/^\/+/, '')}`, 1) : undefined
}

const USR_MERGED = /^(lib|lib64|bin|sbin)$/

async function walkInTree(root: string, path: string, hops: number): Promise<string | undefined> {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  const done: string[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    if (part === '..') {
      done.pop()
      continue
    }
    const host = join(root, ...done, part)
    const st = await lstat(host).catch(() => undefined)
    if (!st) {
      const merged = done.length === 0 && USR_MERGED.test(part) && hops < MAX_SYMLINK_HOPS
      return merged ? walkInTree(root, ['usr', ...parts.slice(i)].join('/'), hops + 1) : undefined
    }
    if (st.isSymbolicLink()) {
      if (hops >= MAX_SYMLINK_HOPS) return undefined
      const target = await readlink(host)
      const base = target.startsWith('/') ? target : [...done, target].join('/')
      return walkInTree(root, [base, ...parts.slice(i + 1)].join('/'), hops + 1)
    }
    if (i === parts.length - 1) return st.isFile() ? host : undefined
    done.push(part)
  }
  return undefined
}
