import {type ArchProfile, type Machine} from './arch.js'
import {traceArgs} from './events.js'

/**
 * The QEMU command line of a capture. The guest gets a serial console on stdout, no other default
 * devices, no reboot (a panic ends QEMU). With no -D the trace goes to stderr, as most users run it:
 * a pipe can be read as it streams, whereas -D needs a path (Node's pipes are sockets, which
 * /dev/fd/N cannot open).
 */
export type Accel = 'tcg' | 'kvm'

/** Kernel command line every capture starts with (after console=, the arch's UART); --append adds to
 * it. panic=-1: reboot at once, which -no-reboot turns into QEMU exiting, so a panic never waits for
 * the timeout. */
/** Guest memory when --memory is not given. */
export const DEFAULT_MEMORY_MIB = 512

export const BASE_APPEND = 'loglevel=4 panic=-1'

export interface QemuInvocation {
  readonly qemu: string
  readonly machine: Machine
  /** -cpu, when the arch needs one. */
  readonly cpu?: string
  readonly accel: Accel
  readonly memoryMiB: number
  readonly kernel: string
  readonly initrd: string
  readonly append: string
  readonly events: readonly string[]
  /** Everything after `--`: the devices under test. */
  readonly deviceArgs: readonly string[]
}

/** $QEMU appears only in a reproduce command, for a --qemu path of this host. */
export const PLACEHOLDERS = {kernel: '$KERNEL', initrd: '$INITRD', qemu: '$QEMU'} as const

export function fullAppend(extra: string | undefined, arch: Pick<ArchProfile, 'console'>): string {
  const base = `console=${arch.console} ${BASE_APPEND}`
  const more = extra?.trim()
  return more ? `${base} ${more}` : base
}

/** argv[0] is the QEMU binary. */
export function buildQemuArgv(inv: QemuInvocation): string[] {
  return [
    inv.qemu,
    '-machine', inv.machine,
    ...(inv.cpu ? ['-cpu', inv.cpu] : []),
    '-accel', inv.accel,
    '-m', String(inv.memoryMiB),
    '-smp', '1',
    '-nodefaults',
    '-display', 'none',
    '-no-reboot',
    '-serial', 'stdio',
    '-monitor', 'none',
    '-msg', 'timestamp=on',
    ...traceArgs(inv.events),
    '-kernel', inv.kernel,
    '-initrd', inv.initrd,
    '-append', inv.append,
    ...inv.deviceArgs,
  ]
}

/** The same argv with host-specific paths replaced by placeholders, for case.json. */
export function recordedArgv(inv: QemuInvocation, qemuName: string): string[] {
  return buildQemuArgv({
    ...inv,
    qemu: qemuName,
    kernel: PLACEHOLDERS.kernel,
    initrd: PLACEHOLDERS.initrd,
  })
}
