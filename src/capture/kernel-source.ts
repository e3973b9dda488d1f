import {execFile} from 'node:child_process'
import {readdir, readFile, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {UsageError} from '../util/errors.js'
import {archCacheDir, type GuestArch} from './arch.js'
import type {BootableSeries as KernelSeries} from '../model/series.js'

/**
 * Where the guest kernel and its modules come from: an explicit --vmlinuz (modules found next to it
 * when it sits in a ROOT/boot/ tree) or a Debian kernel unpacked by scripts/setup-qemu.sh.
 */
export {BOOTABLE_SERIES as KERNEL_SERIES, type BootableSeries as KernelSeries} from '../model/series.js'

export interface KernelPackage {
  readonly name: string
  readonly version: string
}

export interface KernelChoice {
  readonly vmlinuz: string
  /** lib/modules/<release>, when there is one. */
  readonly modulesDir?: string
  readonly package?: KernelPackage
  readonly series?: KernelSeries
}

export function kernelCacheDir(arch: GuestArch = 'amd64'): string {
  return archCacheDir('kernels', arch)
}

export async function kernelFromSeries(series: KernelSeries, arch: GuestArch = 'amd64', cacheDir = kernelCacheDir(arch)): Promise<KernelChoice> {
  const root = join(cacheDir, series)
  const boot = join(root, 'boot')
  const names = await readdir(boot).catch(() => [] as string[])
  const vmlinuz = names.filter((n) => n.startsWith('vmlinuz-')).sort()[0]
  if (!vmlinuz) {
    const flag = arch === 'amd64' ? `--kernels ${series}` : `--${arch}-kernels ${series}`
    throw new UsageError(`no cached Debian ${arch} kernel ${series} in ${root} (run scripts/setup-qemu.sh ${flag})`)
  }
  return {...(await kernelFromFile(join(boot, vmlinuz), undefined)), series}
}

/** A kernel image given by path; `modules` overrides the module directory found next to it. */
export async function kernelFromFile(vmlinuz: string, modules: string | undefined): Promise<KernelChoice> {
  const st = await stat(vmlinuz).catch(() => undefined)
  if (!st?.isFile()) throw new UsageError(`kernel image not found: ${vmlinuz}`)
  const root = basename(dirname(vmlinuz)) === 'boot' ? dirname(dirname(vmlinuz)) : undefined
  const modulesDir = modules ?? (root ? await modulesNextTo(root, vmlinuz) : undefined)
  const pkg = (root ? await packageRecord(root) : undefined) ?? (await installedPackageOwning(vmlinuz))
  return {vmlinuz, ...(modulesDir ? {modulesDir} : {}), ...(pkg ? {package: pkg} : {})}
}

/** ROOT/boot/vmlinuz-REL → ROOT/lib/modules/REL, or ROOT/usr/lib/modules/REL (usr-merged trees). */
async function modulesNextTo(root: string, vmlinuz: string): Promise<string | undefined> {
  const release = basename(vmlinuz).replace(/^vmlinuz-/, '')
  for (const candidate of [join(root, 'lib', 'modules', release), join(root, 'usr', 'lib', 'modules', release)]) {
    if ((await stat(candidate).catch(() => undefined))?.isDirectory()) return candidate
  }
  return undefined
}

/** The `version` file scripts/setup-qemu.sh writes: "linux-image-6.1.0-50-amd64 6.1.176-1". */
async function packageRecord(root: string): Promise<KernelPackage | undefined> {
  const text = await readFile(join(root, 'version'), 'utf8').catch(() => undefined)
  const [name, version] = text?.trim().split(/\s+/) ?? []
  return name && version ? {name, version} : undefined
}

/** For a kernel installed on this host (e.g. /boot/vmlinuz-6.1.0-50-amd64): the Debian package owning it. */
async function installedPackageOwning(path: string): Promise<KernelPackage | undefined> {
  const owner = await quietRun('dpkg-query', ['-S', path])
  const name = owner?.split(':')[0]?.trim()
  if (!name || /\s/.test(name)) return undefined
  const version = (await quietRun('dpkg-query', ['-W', '-f=${Version}', name]))?.trim()
  return version ? {name, version} : undefined
}

/** stdout of a command, or undefined when it fails or does not exist (dpkg is optional). */
function quietRun(bin: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(bin, args, {timeout: 10_000}, (err, stdout) => resolve(err ? undefined : stdout))
  })
}
