/**
 * `capture --sysfs-dump DIR`: the guest's /init copies, for every PCI function, the binary
 * /sys/bus/pci/devices/BDF/{config,resource} out through the serial console, and the host writes
 * them to DIR/BDF/{config,resource}. Read as root, `config` is the whole config space (256 or 4096
 * bytes), which the trace only shows in part; such a directory is a sysfs input probediff ingests.
 *
 * On the console every byte line is `@@PDSYS BDF FILE  xx xx ...` (od output with a prefix, so a
 * stray kernel line cannot be mistaken for data), and each file ends with `@@PDSYS BDF FILE end N`
 * giving its size as `wc -c` counted it in the guest, so a lost or mangled line is detected.
 */
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CaptureFailure} from './errors.js'

export const SYSFS_BEGIN = '===PROBEDIFF-SYSFS-BEGIN==='
export const SYSFS_END = '===PROBEDIFF-SYSFS-END==='
const LINE_TAG = '@@PDSYS'
export const SYSFS_FILES = ['config', 'resource'] as const
export type SysfsFileName = (typeof SYSFS_FILES)[number]

/** Busybox applets the dump needs in the initramfs. */
export const SYSFS_DUMP_APPLETS = ['od', 'sed', 'wc']

/** The /init lines that print the dump (run after the kernel log, before power-off). */
export function sysfsDumpScript(): string[] {
  return [
    '# probediff capture --sysfs-dump: every PCI function\'s config and resource, as hex, between markers.',
    `echo ${SYSFS_BEGIN}`,
    'for dev in /sys/bus/pci/devices/*; do',
    '  bdf=${dev##*/}',
    `  for f in ${SYSFS_FILES.join(' ')}; do`,
    '    [ -r "$dev/$f" ] || continue',
    `    od -A n -v -t x1 "$dev/$f" | sed "s/^/${LINE_TAG} $bdf $f /"`,
    `    echo "${LINE_TAG} $bdf $f end $(wc -c < "$dev/$f")"`,
    '  done',
    'done',
    `echo ${SYSFS_END}`,
  ]
}

export interface SysfsFileDump {
  readonly bdf: string
  readonly file: SysfsFileName
  readonly bytes: Buffer
}

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/
const DATA_LINE = new RegExp(`${LINE_TAG} (\\S+) (${SYSFS_FILES.join('|')}) ((?: +[0-9a-f]{2})+) *$`)
const END_LINE = new RegExp(`${LINE_TAG} (\\S+) (${SYSFS_FILES.join('|')}) end +(\\d+) *$`)

/**
 * The files printed between the sysfs markers of a console log, in the order printed. Throws a
 * CaptureFailure when the dump is absent or incomplete, or a file's bytes do not add up to the size
 * the guest counted.
 */
export function decodeSysfsDump(console: string): SysfsFileDump[] {
  const lines = console.replace(/\r/g, '').split('\n')
  const begin = lines.findIndex((l) => l.endsWith(SYSFS_BEGIN))
  const end = lines.findIndex((l, i) => i > begin && l.endsWith(SYSFS_END))
  if (begin < 0 || end < 0) {
    throw new CaptureFailure('no-dmesg', `the guest did not print a complete sysfs dump (${begin < 0 ? 'no begin marker' : 'no end marker'})`)
  }
  const out: SysfsFileDump[] = []
  let current: {bdf: string; file: SysfsFileName; hex: string[]} | undefined
  for (const line of lines.slice(begin + 1, end)) {
    const data = DATA_LINE.exec(line)
    if (data) {
      const [, bdf, file, bytes] = data as unknown as [string, string, SysfsFileName, string]
      if (!current || current.bdf !== bdf || current.file !== file) {
        if (current) throw incomplete(current.bdf, current.file, 'no end line')
        current = {bdf, file, hex: []}
      }
      current.hex.push(...bytes.trim().split(/ +/))
      continue
    }
    const fin = END_LINE.exec(line)
    if (fin) {
      const [, bdf, file, count] = fin as unknown as [string, string, SysfsFileName, string]
      const hex = current && current.bdf === bdf && current.file === file ? current.hex : []
      if (current && hex.length === 0) throw incomplete(current.bdf, current.file, 'no end line')
      if (!BDF.test(bdf)) throw incomplete(bdf, file, 'not a sysfs PCI address')
      if (hex.length !== Number(count)) throw incomplete(bdf, file, `${hex.length} bytes decoded, the guest counted ${count}`)
      out.push({bdf, file, bytes: Buffer.from(hex.join(''), 'hex')})
      current = undefined
    }
    // Anything else (a kernel line that slipped through) is not part of the dump.
  }
  if (current) throw incomplete(current.bdf, current.file, 'no end line')
  return out
}

function incomplete(bdf: string, file: string, why: string): CaptureFailure {
  return new CaptureFailure('no-dmesg', `sysfs dump of ${bdf}/${file} is damaged: ${why}`)
}

/** Writes DIR/BDF/FILE for each dump, each file atomically (temp file + rename). Returns the BDFs. */
export async function writeSysfsDump(dir: string, dumps: readonly SysfsFileDump[]): Promise<string[]> {
  const bdfs = [...new Set(dumps.map((d) => d.bdf))]
  for (const d of dumps) {
    const deviceDir = join(dir, d.bdf)
    await mkdir(deviceDir, {recursive: true})
    const final = join(deviceDir, d.file)
    const tmp = `${final}.tmp-${process.pid}`
    try {
      await writeFile(tmp, d.bytes)
      await rename(tmp, final)
    } catch (error) {
      await rm(tmp, {force: true})
      throw error
    }
  }
  return bdfs
}
