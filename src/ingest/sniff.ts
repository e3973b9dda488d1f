/**
 * Tells an input's format from its first MiB (inflated if gzipped), read once from the front so a
 * pipe or FIFO works: simpletrace by its magic, sysfs config by being small and binary, and text
 * formats by what their lines look like. QEMU events win over kernel lines, since a QEMU log often
 * carries the guest's console too.
 */
import {readdir, stat} from 'node:fs/promises'
import {basename} from 'node:path'
import {InputError} from '../util/errors.js'
import {InputBytes, STDIN_PATH, ioError} from './byte-source.js'
import {classifyKernelText} from './kmsg-lines.js'
import {cleanConsoleText, splitKernelPrefix} from './kernel-prefix.js'
import {HexDumpSniffer} from './hexdump-lines.js'
import {isSimpletraceHeader} from './simpletrace.js'

export type InputFormat = 'qemu-log' | 'simpletrace' | 'csv' | 'dmesg' | 'lspci' | 'hex-dump' | 'sysfs-config' | 'sysfs-dir'
/** The formats of an input that is not a directory. */
export type FileFormat = Exclude<InputFormat, 'sysfs-dir'>
export const INPUT_FORMATS: readonly InputFormat[] = ['qemu-log', 'simpletrace', 'csv', 'dmesg', 'lspci', 'hex-dump', 'sysfs-config', 'sysfs-dir']

/** How much of an input's start the sniffer reads. */
export const SNIFF_BYTES = 1 << 20
const SNIFF_LINES = 20_000
/** A binary input no longer than this is a sysfs config file whatever its name. */
const SMALL_BINARY = 4096

const QEMU_EVENT_RE =
  /(?:^|[^a-z_])(?:pci_cfg_(?:read|write) \S+ [0-9a-f]+:[0-9a-f]+|pci_update_mappings_(?:add|del) \S+ [0-9a-f]{2}:|memory_region_ops_(?:read|write) cpu -?\d+ mr |virtio_set_status vdev |virtio_queue_notify vdev |virtio_pci_notify_write(?:_pio)? 0x)/
const LSPCI_HEADER_RE = /^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7] \S/
const LSPCI_ROW_RE = /^[0-9a-f]{2,3}: (?:[0-9a-f]{2} ){15}[0-9a-f]{2}$/
/** A detail line of lspci -v/-vv/-k under a device header. */
const LSPCI_DETAIL_RE = /^\s+(?:Subsystem|Control|Flags|Region [0-5]|Memory at|I\/O ports at|Expansion ROM at|Capabilities|Kernel driver in use|Kernel modules): /

/** The format of the input at `path` (a file, a directory, a pipe or `-`). */
export async function sniffFormat(path: string, displayName = path): Promise<InputFormat> {
  const dir = await sniffDirectory(path, displayName)
  if (dir) return dir
  const input = await InputBytes.open(path, displayName, SNIFF_BYTES)
  try {
    return sniffHead(input, path, displayName)
  } finally {
    await input.close()
  }
}

/** 'sysfs-dir' for a sysfs device directory, undefined for anything that is not a directory. */
export async function sniffDirectory(path: string, displayName: string): Promise<InputFormat | undefined> {
  if (!(await isDirectory(path, displayName))) return undefined
  let entries: string[]
  try {
    entries = await readdir(path)
  } catch (error) {
    throw ioError(error, displayName)
  }
  if (entries.includes('config')) return 'sysfs-dir'
  throw new InputError('a directory that is not a sysfs PCI device (no config file in it)', {file: displayName})
}

export async function isDirectory(path: string, displayName: string): Promise<boolean> {
  if (path === STDIN_PATH) return false
  try {
    return (await stat(path)).isDirectory()
  } catch (error) {
    throw ioError(error, displayName)
  }
}

/** The format from an opened input's head (at least SNIFF_BYTES of it, or all of it). */
export function sniffHead(input: InputBytes, path: string, displayName: string): FileFormat {
  const head = input.head
  if (head.length === 0) throw new InputError(input.gzip ? 'empty file (after decompression)' : 'empty file', {file: displayName})
  if (isSimpletraceHeader(head)) return 'simpletrace'
  const binary = looksBinary(head)
  if (binary && (basename(path) === 'config' || (input.complete && head.length <= SMALL_BINARY))) return 'sysfs-config'
  const format = sniffText(head)
  if (format) return format
  throw new InputError(
    `${binary ? 'binary data of no known format (not simpletrace, not a sysfs config file)' : 'cannot tell the format (no QEMU trace events, kernel lines, lspci or hex dump, or CSV header found)'}; accepted formats: ${INPUT_FORMATS.join(', ')} (--format)`,
    {file: displayName, line: 1},
  )
}

/** Text formats from the first lines; undefined if none fits. */
export function sniffText(head: Buffer): FileFormat | undefined {
  let sawKernelLine = false
  let lspciHeader = false
  /** Hex rows and verbose detail lines after a device header. */
  let lspciRows = 0
  const hexDump = new HexDumpSniffer()
  const content: string[] = []
  for (const raw of firstLines(head.toString('latin1'), SNIFF_LINES)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (QEMU_EVENT_RE.test(line)) return 'qemu-log'
    // A terminal recording puts escapes and a CR before the header: test what follows the CR.
    if (LSPCI_HEADER_RE.test(line.slice(line.lastIndexOf('\r') + 1))) lspciHeader = true
    else if (lspciHeader && (LSPCI_ROW_RE.test(line) || LSPCI_DETAIL_RE.test(line))) lspciRows++
    if (content.length < 2 && line.trim() !== '' && !line.startsWith('#')) content.push(line)
    // Only whether some line is a kernel line matters: once one is seen, the others need no parsing.
    if (!sawKernelLine) sawKernelLine = isKernelLine(line)
    hexDump.line(line)
  }
  if (lspciRows > 0) return 'lspci'
  if (hexDump.found) return 'hex-dump'
  if (content[0] !== undefined && isCsvHeader(content[0], content[1])) return 'csv'
  if (sawKernelLine) return 'dmesg'
  // Plain `lspci` (names only) is still lspci: ingest says it adds nothing instead of refusing it.
  if (content[0] !== undefined && LSPCI_HEADER_RE.test(content[0])) return 'lspci'
  return undefined
}

function isKernelLine(line: string): boolean {
  const k = splitKernelPrefix(cleanConsoleText(line))
  if (k.prefix !== 'none') return true
  const c = classifyKernelText(k.text)
  return c.tag !== undefined || c.bdf !== undefined
}

/** The first `limit` pieces of `text` split at '\n', as split('\n', limit) gives them, one at a time. */
function* firstLines(text: string, limit: number): Generator<string> {
  let start = 0
  for (let n = 0; n < limit; n++) {
    const nl = text.indexOf('\n', start)
    if (nl < 0) {
      yield text.slice(start)
      return
    }
    yield text.slice(start, nl)
    start = nl + 1
  }
}

/** A header of at least three name-like cells, followed by a row with as many cells. */
function isCsvHeader(line: string, next: string | undefined): boolean {
  // A UTF-8 BOM (as spreadsheets export CSV) read as latin1.
  const cells = line.replace(/^\u00ef\u00bb\u00bf/, '').split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase())
  if (cells.length < 3 || !cells.every((c) => /^[a-z][\w .()/-]*$/.test(c))) return false
  if (cells.includes('bdf') || (cells.includes('offset') && cells.includes('value'))) return true
  return next !== undefined && next.split(',').length === cells.length
}

/** NUL bytes, or many control bytes other than tab/CR/LF/ESC. */
export function looksBinary(head: Buffer): boolean {
  const n = Math.min(head.length, 8192)
  let odd = 0
  for (let i = 0; i < n; i++) {
    const b = head[i]!
    if (b === 0) return true
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 27 && b !== 12 && b !== 8 && b !== 7) odd++
  }
  return odd > n / 10
}
