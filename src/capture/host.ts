import {execFile} from 'node:child_process'
import {constants} from 'node:fs'
import {access, open, readFile} from 'node:fs/promises'
import {UsageError} from '../util/errors.js'
import type {ArchProfile, GuestArch} from './arch.js'
import {elfMachine, isStaticExecutable} from './elf.js'
import type {Accel} from './qemu-argv.js'

/** Facts about the host that a capture depends on: QEMU, busybox, and whether KVM really works. */

const INSTALL_HINT = 'run scripts/setup-qemu.sh or install Debian package'

export interface ToolVersion {
  /** First line of `--version` / `--help`, e.g. "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)". */
  readonly banner: string
  /** The Debian package version in the banner's parentheses, when there is one. */
  readonly debianVersion?: string
}

function firstLine(out: string): string {
  return out.split('\n').find((l) => l.trim() !== '')?.trim() ?? ''
}

function debianVersionIn(banner: string): string | undefined {
  return /\(Debian ([^)]+)\)/.exec(banner)?.[1]
}

export async function qemuVersion(qemu: string, qemuPackage = 'qemu-system-x86'): Promise<ToolVersion> {
  const out = await run(qemu, ['--version']).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EACCES') {
      throw new UsageError(`QEMU not found: ${qemu} (${INSTALL_HINT} ${qemuPackage})`)
    }
    throw new UsageError(`${qemu} --version failed: ${error.message.split('\n')[0]}`)
  })
  const banner = firstLine(out)
  if (!banner.startsWith('QEMU emulator version')) throw new UsageError(`${qemu} does not look like QEMU: "${banner}"`)
  const debianVersion = debianVersionIn(banner)
  return debianVersion ? {banner, debianVersion} : {banner}
}

/** Where the version is embedded in a busybox binary: "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)". */
const EMBEDDED_BUSYBOX_VERSION = /BusyBox v[0-9][0-9.]* \([^)\0]{1,100}\)/

/**
 * The busybox binary, which must be statically linked (the initramfs has no libc) and built for the
 * guest's architecture. An amd64 one is asked its version (`--help`); another arch's cannot run here,
 * so its version is the banner string embedded in the binary.
 */
export async function loadBusybox(path: string, arch: Pick<ArchProfile, 'arch' | 'elfMachine'>): Promise<{image: Buffer; version: ToolVersion}> {
  let image: Buffer
  try {
    image = await readFile(path)
  } catch {
    throw new UsageError(`busybox not found: ${path} (${INSTALL_HINT} busybox-static)`)
  }
  let isStatic: boolean
  try {
    isStatic = isStaticExecutable(image)
  } catch {
    throw new UsageError(`${path} is not an ELF executable`)
  }
  if (!isStatic) throw new UsageError(`${path} is dynamically linked; the initramfs needs a static busybox (${INSTALL_HINT} busybox-static)`)
  if (elfMachine(image) !== arch.elfMachine) throw new UsageError(`${path} is not an ${arch.arch} executable (ELF machine ${elfMachine(image)}); give --busybox with a static ${arch.arch} busybox`)
  // `busybox --help` exits 0 on busybox-static and prints "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) ...".
  const banner = arch.arch === 'amd64'
    ? firstLine(await run(path, ['--help']).catch(() => ''))
    : (EMBEDDED_BUSYBOX_VERSION.exec(image.toString('latin1'))?.[0] ?? '')
  const debianVersion = debianVersionIn(banner)
  return {image, version: debianVersion ? {banner, debianVersion} : {banner}}
}

/** Node's name of the CPU each guest architecture needs for KVM. */
const NODE_ARCH: Readonly<Record<GuestArch, string>> = {amd64: 'x64', arm64: 'arm64'}

/**
 * KVM is used only when /dev/kvm opens read-write AND the CPU advertises hardware virtualisation, and
 * never for a guest of another architecture than the host's (QEMU emulates it under TCG).
 * Some sandboxes expose a /dev/kvm whose guests never run; TCG is the safe default there.
 */
export async function chooseAccel(requested: 'auto' | Accel, guest: GuestArch = 'amd64'): Promise<{accel: Accel; reason: string}> {
  const foreign = NODE_ARCH[guest] !== process.arch
  if (foreign && requested === 'kvm') throw new UsageError(`--accel kvm cannot run an ${guest} guest on this ${process.arch} host (use tcg)`)
  if (requested !== 'auto') return {accel: requested, reason: `--accel ${requested}`}
  if (foreign) return {accel: 'tcg', reason: `${guest} guest on a ${process.arch} host`}
  try {
    const fh = await open('/dev/kvm', constants.O_RDWR)
    await fh.close()
  } catch {
    return {accel: 'tcg', reason: '/dev/kvm not usable'}
  }
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) return {accel: 'tcg', reason: 'no vmx/svm CPU flag'}
  return {accel: 'kvm', reason: '/dev/kvm usable and CPU has vmx/svm'}
}

export async function requireReadable(path: string, what: string): Promise<void> {
  try {
    await access(path, constants.R_OK)
  } catch {
    throw new UsageError(`${what} not found or not readable: ${path}`)
  }
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, {timeout: 20_000, maxBuffer: 1024 * 1024}, (err, stdout, stderr) => {
      // busybox --help may exit non-zero on some builds; its text is still what we want.
      if (err && (err as NodeJS.ErrnoException).code !== undefined && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err)
      if (err && !stdout && !stderr) return reject(err)
      resolve(`${stdout}${stderr}`)
    })
  })
}
