import {gzipSync} from 'node:zlib'
import {type CpioEntry, newcArchive} from './cpio.js'
import {DMESG_BEGIN, DMESG_END, INSMOD_FAILED_PREFIX} from './console.js'
import {LSPCI_APPLETS, type LspciGuestFiles, lspciScript} from './guest-lspci.js'
import {SYSFS_DUMP_APPLETS, sysfsDumpScript} from './sysfs-dump.js'

/**
 * The capture initramfs: a static busybox, the modules to insmod (already in dependency order and
 * decompressed) and an /init that loads them, prints the kernel log between markers and powers off.
 */
export interface InitramfsModule {
  readonly name: string
  readonly image: Uint8Array
}

const APPLETS = ['sh', 'mount', 'insmod', 'dmesg', 'sleep', 'poweroff', 'cat']

/** Seconds /init waits after the last insmod, so asynchronous probes (hwrng, SCSI scan) finish. */
export const SETTLE_SECONDS = 1

export interface InitOptions {
  /** Also print every PCI function's sysfs config and resource (capture --sysfs-dump). */
  readonly sysfsDump?: boolean
  /** Run the real lspci after the kernel log (capture --lspci): lspci, its libraries, pci.ids. */
  readonly lspci?: Pick<LspciGuestFiles, 'files' | 'libDir'>
}

export function initScript(moduleNames: readonly string[], opts: InitOptions = {}): string {
  const loads = moduleNames.map((m) => {
    const patterns = [...new Set([m, m.replace(/_/g, '-')])].join(' ')
    return `insmod /lib/modules/${m}.ko $(modparams ${patterns}) || echo "${INSMOD_FAILED_PREFIX}${m}"`
  })
  return [
    '#!/bin/sh',
    '# probediff capture: load the virtio drivers, print the kernel log between markers, power off.',
    'export PATH=/bin',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev 2>/dev/null',
    '# insmod does not read the kernel command line (modprobe does): pass MODULE.param=value on.',
    'modparams() {',
    '  for word in $(cat /proc/cmdline); do',
    '    for mod in "$@"; do',
    '      case "$word" in "$mod".*) echo "${word#"$mod".}" ;; esac',
    '    done',
    '  done',
    '}',
    ...loads,
    `sleep ${SETTLE_SECONDS}`,
    '# Console messages would interleave with the dump: keep only emergencies on the console now.',
    'dmesg -n 1',
    `echo ${DMESG_BEGIN}`,
    'dmesg',
    `echo ${DMESG_END}`,
    ...(opts.lspci ? lspciScript(opts.lspci.libDir) : []),
    ...(opts.sysfsDump ? sysfsDumpScript() : []),
    'poweroff -f',
    '',
  ].join('\n')
}

export function initramfsEntries(busybox: Uint8Array, modules: readonly InitramfsModule[], opts: InitOptions = {}): CpioEntry[] {
  const applets = [...new Set([...APPLETS, ...(opts.sysfsDump ? SYSFS_DUMP_APPLETS : []), ...(opts.lspci ? LSPCI_APPLETS : [])])]
  const entries: CpioEntry[] = [
    {kind: 'dir', path: '/'},
    {kind: 'dir', path: 'bin'},
    {kind: 'dir', path: 'dev'},
    {kind: 'chardev', path: 'dev/console', major: 5, minor: 1},
    {kind: 'dir', path: 'proc'},
    {kind: 'dir', path: 'sys'},
    {kind: 'dir', path: 'lib'},
    {kind: 'dir', path: 'lib/modules'},
    {kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755},
    ...applets.map((a): CpioEntry => ({kind: 'symlink', path: `bin/${a}`, target: 'busybox'})),
    ...modules.map((m): CpioEntry => ({kind: 'file', path: `lib/modules/${m.name}.ko`, data: m.image})),
    ...(opts.lspci ? guestTree(opts.lspci.files) : []),
    {kind: 'file', path: 'init', data: Buffer.from(initScript(modules.map((m) => m.name), opts)), mode: 0o755},
  ]
  return entries
}

/** /tmp, then each file after the directories above it that the base layout does not have. */
function guestTree(files: LspciGuestFiles['files']): CpioEntry[] {
  const dirs = new Set(['bin', 'dev', 'proc', 'sys', 'lib', 'lib/modules'])
  const out: CpioEntry[] = [{kind: 'dir', path: 'tmp', mode: 0o1777}]
  for (const f of files) {
    const parts = f.path.split('/').slice(0, -1)
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (!dirs.has(dir)) out.push({kind: 'dir', path: dir})
      dirs.add(dir)
    }
    out.push({kind: 'file', path: f.path, data: f.data, mode: f.mode})
  }
  return out
}

/** The gzip-compressed newc archive the kernel takes as -initrd. */
export function buildInitramfs(busybox: Uint8Array, modules: readonly InitramfsModule[], opts: InitOptions = {}): Buffer {
  return gzipSync(newcArchive(initramfsEntries(busybox, modules, opts)), {level: 6})
}
