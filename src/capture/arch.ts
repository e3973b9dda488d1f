import {join} from 'node:path'
import {probediffCacheDir} from '../util/cache-dir.js'

/**
 * The guest architectures a capture can boot, with what differs between them: the QEMU binary and its
 * Debian package, the machine types, the CPU model under TCG, the kernel's serial console, the Debian
 * multiarch library directory (for the guest's lspci), and where scripts/setup-qemu.sh caches the
 * architecture's guest files (amd64 at the top of each cache directory, others in a subdirectory).
 */
export const GUEST_ARCHES = ['amd64', 'arm64'] as const
export type GuestArch = (typeof GUEST_ARCHES)[number]

export const MACHINES = ['pc', 'q35', 'virt'] as const
export type Machine = (typeof MACHINES)[number]

export interface ArchProfile {
  readonly arch: GuestArch
  readonly qemu: string
  /** The Debian package that ships `qemu`. */
  readonly qemuPackage: string
  readonly machines: readonly Machine[]
  readonly defaultMachine: Machine
  /** -cpu, when QEMU's default does not boot the kernel (aarch64 virt's default is a 32-bit cortex-a15). */
  readonly cpu?: string
  /** The kernel's console: the machine's first UART (8250 on x86, PL011 on virt). */
  readonly console: string
  /** Debian's multiarch directory for shared libraries. */
  readonly multiarch: string
  /** ELF e_machine of the architecture's executables. */
  readonly elfMachine: number
}

const PROFILES: Readonly<Record<GuestArch, ArchProfile>> = {
  amd64: {
    arch: 'amd64',
    qemu: 'qemu-system-x86_64',
    qemuPackage: 'qemu-system-x86',
    machines: ['pc', 'q35'],
    defaultMachine: 'pc',
    console: 'ttyS0',
    multiarch: 'x86_64-linux-gnu',
    elfMachine: 62, // EM_X86_64
  },
  arm64: {
    arch: 'arm64',
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    machines: ['virt'],
    defaultMachine: 'virt',
    // cortex-a57 rather than max: max adds pointer authentication, which TCG emulates slowly.
    cpu: 'cortex-a57',
    console: 'ttyAMA0',
    multiarch: 'aarch64-linux-gnu',
    elfMachine: 183, // EM_AARCH64
  },
}

export function archProfile(arch: GuestArch): ArchProfile {
  return PROFILES[arch]
}

/** `<cache>/<what>` for amd64, `<cache>/<what>/<arch>` for the others (scripts/setup-qemu.sh's layout). */
export function archCacheDir(what: 'kernels' | 'pciutils' | 'busybox', arch: GuestArch, cacheRoot = probediffCacheDir()): string {
  return arch === 'amd64' ? join(cacheRoot, what) : join(cacheRoot, what, arch)
}

/** Debian suites whose QEMU scripts/setup-qemu.sh unpacks into a private prefix (`capture --qemu-suite`). */
export const QEMU_SUITES = ['trixie'] as const
export type QemuSuite = (typeof QEMU_SUITES)[number]

/** The QEMU binary of a suite's private prefix: `<cache>/qemu/<suite>/bin/<qemu>` (a wrapper running it with that suite's C library). */
export function suiteQemu(suite: QemuSuite, arch: GuestArch, cacheRoot = probediffCacheDir()): string {
  return join(cacheRoot, 'qemu', suite, 'bin', PROFILES[arch].qemu)
}

/** The static busybox of the guest: the host's own for amd64, the one setup-qemu.sh fetched otherwise. */
export function defaultBusybox(arch: GuestArch): string {
  return arch === 'amd64' ? '/bin/busybox' : join(archCacheDir('busybox', arch), 'bin', 'busybox')
}
