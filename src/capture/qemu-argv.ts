import {traceArgs} from './events.js'

/**
 * The QEMU command line of a capture. The guest gets a serial console on stdout, no other default
 * devices, no reboot (a panic ends QEMU). With no -D the trace goes to stderr, as most users run it:
 * a pipe can be read as it streams, whereas -D needs a path (Node's pipes are sockets, which
 * /dev/fd/N cannot open).
 */
export type Machine = 'pc' | 'q35'
export const MACHINES: readonly Machine[] = ['pc', 'q35']
export type Accel = 'tcg' | 'kvm'

/** Kernel command line every capture starts with; --append adds to it. panic=-1: reboot at once,
 * which -no-reboot turns into QEMU exiting, so a panic never waits for the timeout. */
export const BASE_APPEND = 'console=ttyS0 loglevel=4 panic=-1'

export interface QemuInvocation {
  readonly qemu: string
  readonly machine: Machine
  readonly accel: Accel
  readonly memoryMiB: number
  readonly kernel: string
  readonly initrd: string
  readonly append: string
  readonly events: readonly string[]
  /** Everything after `--`: the devices under test. */
  readonly deviceArgs: readonly string[]
}

export const PLACEHOLDERS = {kernel: '$KERNEL', initrd: '$INITRD'} as const

export function fullAppend(extra: string | undefined): string {
  const more = extra?.trim()
  return more ? `${BASE_APPEND} ${more}` : BASE_APPEND
}

/** argv[0] is the QEMU binary. */
export function buildQemuArgv(inv: QemuInvocation): string[] {
  return [
    inv.qemu,
    '-machine', inv.machine,
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
