/**
 * case.json of a captured case: enough to know exactly what ran (QEMU argv with host paths replaced by
 * placeholders, versions, kernel package) and to run it again.
 */
import type {GuestArch, Machine} from './arch.js'
import type {EventSetName} from './events.js'
import type {KernelPackage} from './kernel-source.js'
import type {QemuSuite} from './arch.js'
import type {Accel} from './qemu-argv.js'

export const CASE_FORMAT_VERSION = 1

export interface CaptureCaseRecord {
  readonly formatVersion: number
  readonly name: string
  readonly kind: 'capture'
  readonly createdAt: string
  readonly notes?: string
  /** The guest architecture; absent in cases made before capture had --arch (all amd64). */
  readonly arch?: GuestArch
  readonly machine: Machine
  readonly devices: readonly {readonly type: string; readonly spec: string}[]
  /** The kernel command line as booted (base + --append). */
  readonly append: string
  /** Only what the user added with --append. */
  readonly appendExtra?: string
  /** virtio_pci.force_legacy is set on the booted command line (read by the replay). */
  readonly forceLegacy: boolean
  readonly kernel: {
    readonly package?: KernelPackage
    readonly series?: string
    /** File name of the image, e.g. vmlinuz-6.1.0-50-amd64. */
    readonly image: string
    /** From "Linux version ..." in the guest's dmesg. */
    readonly release?: string
  }
  readonly initramfs:
    | {readonly builtBy: 'probediff'; readonly busybox: string; readonly modules: readonly string[]; readonly builtinDrivers: readonly string[]; readonly missingDrivers: readonly string[]}
    | {readonly builtBy: 'user'; readonly file: string}
  readonly qemu: {
    readonly version: string
    readonly package?: string
    /** The Debian suite whose QEMU ran, from scripts/setup-qemu.sh's private prefix (capture --qemu-suite). */
    readonly suite?: QemuSuite
    readonly accel: Accel
    readonly accelReason: string
    /** Exactly as run, except $KERNEL, $INITRD and $TRACE stand for host paths. */
    readonly argv: readonly string[]
    readonly placeholders: Readonly<Record<string, string>>
    readonly stderr: readonly string[]
  }
  readonly events: {
    readonly set: EventSetName
    readonly enabled: readonly string[]
    readonly memoryRegionsKept: string
  }
  readonly run: {
    readonly bootSeconds: number
    readonly traceLinesKept: number
    readonly traceLinesDropped: number
    readonly insmodFailures: readonly string[]
  }
  readonly files: {readonly trace: string; readonly dmesg: string; readonly lspci?: string; readonly unfilteredTrace?: string}
  /** Replay inputs in order (the corpus reader's convention). */
  readonly inputs: readonly string[]
  /** capture --lspci: the real lspci's output, saved beside the inputs (not one of them). */
  readonly lspci?: {
    readonly file: string
    /** As run in the guest, e.g. "lspci -vvv -xxx -nn -k -D". */
    readonly command: string
    /** `lspci --version` in the guest. */
    readonly version: string
    /** The Debian packages lspci, its libraries and pci.ids came from, pciutils first. */
    readonly packages: readonly string[]
    /** The shared libraries copied into the initramfs. */
    readonly libraries: readonly string[]
    /** The kernel's module index files copied for -k (depmod over the whole tree, by scripts/setup-qemu.sh). */
    readonly moduleIndex: readonly string[]
    readonly stderr: readonly string[]
    /** lspci ran after the probe in the boot that made trace.log.gz, so its own (sysfs) config reads
     * are at the end of that trace; false when lspci.txt came from another boot. */
    readonly configReadsInTrace: boolean
    /** How lspci.txt was made when not by this boot (the shipped corpus: a second boot). */
    readonly howMade?: string
  }
  /** A shell command that captures this case again (needs the same kernel package). */
  readonly reproduce: string
}

/** POSIX shell quoting, only where needed. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
