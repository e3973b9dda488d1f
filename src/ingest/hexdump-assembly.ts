/**
 * A pasted hex dump's bytes from its lines. Two things are not on a row and come from the whole dump:
 * - the offsets' radix: od prints octal by default, the others hex. The command line says which
 *   tool it was, else the offsets' width (hexdump -C 8 digits, od -Ax 6); else the radix under
 *   which every row follows the one before wins, and where several do, only the bytes they agree on
 *   are known.
 * - the byte order of a group wider than a byte: xxd prints the file's bytes in order, hexdump and
 *   od print words in host order (little-endian hosts are assumed: x86, arm64); `xxd -e` is
 *   little-endian. The command line or the rows' ASCII columns tell which order fits.
 * `*` (rows equal to the one before left out) is expanded up to the next offset.
 */
import {WarningSink} from '../util/errors.js'
import type {SourceRef} from '../util/source.js'
import type {HexDumpLine} from './hexdump-lines.js'
import {MAX_CONFIG} from './sysfs.js'
import {hexPadded} from '../util/hex.js'

type Radix = 8 | 10 | 16
type ByteOrder = 'file' | 'little-endian'
export type DumpLine = {readonly line: Exclude<HexDumpLine, {kind: 'command'}>; readonly src: SourceRef}
export type CommandLine = {readonly line: Extract<HexDumpLine, {kind: 'command'}>; readonly src: SourceRef}

/** A dump's lines as read, and the command line above it. */
export interface PendingDump {
  readonly command?: CommandLine
  readonly lines: DumpLine[]
  ended: boolean
  overflow: boolean
}

/** The bytes of a dump read with one radix, and where reading them stopped making sense. */
export interface Assembly {
  readonly radix: Radix
  readonly bytes: Uint8Array
  /** Source line of each byte. */
  readonly lineOf: Int32Array
  readonly length: number
  /** Bytes the dump shows past config space. */
  readonly beyond: number
  readonly contradiction?: {readonly message: string; readonly src: SourceRef}
  /** The dump ends with `*` and no offset after it: how many rows it left out is unknown. */
  readonly cutAfterStar?: SourceRef
}

/**
 * The dump's bytes, or undefined when none is known. Where xxd's byte order is not told (`xxd -g4`
 * or `xxd -e`?), only the bytes both orders give.
 */
export function assembleDump(dump: PendingDump, warnings: WarningSink): Assembly | undefined {
  const {order, told} = byteOrderOf(dump, warnings)
  const assembly = chooseAssembly(dump, order, warnings)
  if (told) return assembly
  const swapped = chooseAssembly(dump, order === 'file' ? 'little-endian' : 'file', new WarningSink())
  const known = commonPrefix([assembly, swapped])
  if (known === assembly.length) return assembly
  warnings.warn(
    'hexdump-byte-order',
    `no command line and no ASCII character tells \`xxd\` from \`xxd -e\` (byte order of the groups): bytes from ${hexPadded(known, 2)} on are unknown`,
    dump.lines[0]!.src,
  )
  return known === 0 ? undefined : {...assembly, length: known, beyond: 0}
}


/** A row's bytes: each group's bytes in file order, or each group a little-endian word. */
function rowBytes(tokens: readonly string[], order: ByteOrder): number[] {
  // Each row is read under up to three radixes and two byte orders: decode it once per order.
  let cached = decodedRows.get(tokens)
  if (!cached) decodedRows.set(tokens, (cached = {}))
  return (cached[order] ??= decodeRow(tokens, order))
}

const decodedRows = new WeakMap<readonly string[], Partial<Record<ByteOrder, number[]>>>()

function decodeRow(tokens: readonly string[], order: ByteOrder): number[] {
  const out: number[] = []
  for (const token of tokens) {
    const n = token.length / 2
    for (let i = 0; i < n; i++) {
      const k = order === 'file' ? i : n - 1 - i
      out.push(Number.parseInt(token.slice(2 * k, 2 * k + 2), 16))
    }
  }
  return out
}

/**
 * xxd prints bytes in file order, the others host-order words; where the rows' ASCII columns say
 * otherwise (`xxd -e`, or a dump made on a big-endian host), they win.
 */
function byteOrderOf(dump: PendingDump, warnings: WarningSink): {order: ByteOrder; told: boolean} {
  const rows = dump.lines.filter((l): l is DumpLine & {line: {kind: 'row'}} => l.line.kind === 'row')
  const command = dump.command?.line
  const xxd = rows[0]?.line.colon === true
  if (!rows.some((r) => r.line.tokens.some((t) => t.length > 2))) return {order: 'file', told: true}
  if (xxd && command?.tool === 'xxd') return {order: /(?:^|\s)-[a-df-z]*e/.test(command.args) ? 'little-endian' : 'file', told: true}
  const usual: ByteOrder = xxd ? 'file' : 'little-endian'
  const other: ByteOrder = usual === 'file' ? 'little-endian' : 'file'
  let forUsual = 0
  let forOther = 0
  let neither: SourceRef | undefined
  for (const {line, src} of rows) {
    if (line.ascii === undefined) continue
    const a = asciiFits(line.ascii, rowBytes(line.tokens, usual))
    const b = asciiFits(line.ascii, rowBytes(line.tokens, other))
    if (a === undefined || b === undefined) continue
    if (a && !b) forUsual++
    else if (b && !a) forOther++
    else if (!a && !b) neither ??= src
  }
  if (neither) warnings.warn('hexdump-ascii-mismatch', 'the ASCII column does not show the bytes of the hex groups; the hex is used', neither)
  if (forOther > 0 && forUsual === 0) return {order: other, told: true}
  if (forOther > 0) warnings.warn('hexdump-ascii-mismatch', 'the ASCII columns disagree on the byte order of the groups; the usual order is used', rows[0]!.src)
  // hexdump and od print host-order words: little-endian hosts are assumed. xxd's groups are in
  // file order unless -e, whose 4-byte groups look the same when no ASCII character tells; its
  // default 2-byte groups (`xxd`) are taken as they are.
  const widest = Math.max(...rows.map((r) => r.line.tokens[0]!.length))
  return {order: usual, told: forUsual > 0 || !xxd || widest <= 4}
}

/** Whether an ASCII column shows these bytes (printable as itself, others as `.`); undefined if it cannot say. */
function asciiFits(ascii: string, bytes: readonly number[]): boolean | undefined {
  if (ascii.length !== bytes.length) return undefined
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    const shown = b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.'
    if (ascii[i] !== shown) return false
  }
  return true
}

/** Which radixes the offsets may be in, the likeliest first. */
function radixCandidates(dump: PendingDump): {radixes: Radix[]; told: boolean} {
  const command = dump.command?.line
  const firstRow = dump.lines.find((l) => l.line.kind === 'row')?.line
  if (firstRow?.kind === 'row' && firstRow.colon) return {radixes: [16], told: true} // only xxd prints `offset:`
  if (command && command.tool !== 'od') return {radixes: [16, 8, 10], told: true}
  if (command?.tool === 'od') {
    const a = /(?:^|\s)(?:-A\s*|--address-radix[= ])([doxn])/.exec(command.args)?.[1]
    const told: Radix = a === 'x' ? 16 : a === 'd' ? 10 : 8
    return {radixes: [told, ...([16, 8, 10] as Radix[]).filter((r) => r !== told)], told: true}
  }
  // Without a command line, the offset width tells hexdump -C (8 digits) and od -Ax (6) apart;
  // 7 digits are hexdump's (hex) or od's (octal, -Ad decimal).
  const width = firstRow?.kind === 'row' ? firstRow.offset.length : 0
  return {radixes: [16, 8, 10], told: width === 8 || width === 6}
}

function chooseAssembly(dump: PendingDump, order: ByteOrder, warnings: WarningSink): Assembly {
  const {radixes, told} = radixCandidates(dump)
  const all = radixes.map((r) => assemble(dump.lines, r, order))
  const fitting = all.filter((a) => !a.contradiction)
  const first = dump.lines[0]!.src
  if (fitting.length === 0) return all.reduce((best, a) => (a.length > best.length ? a : best))
  if (told) {
    if (fitting[0] !== all[0]) {
      warnings.warn('hexdump-radix', `the offsets do not fit the tool that prints them so; they are read as ${radixName(fitting[0]!.radix)}`, dump.command?.src ?? first)
    }
    return fitting[0]!
  }
  if (fitting.length === 1) return fitting[0]!
  // Every row fits under several radixes (rows left out with `*` right after the first ones):
  // keep only the bytes they agree on.
  const known = commonPrefix(fitting)
  const best = fitting[0]!
  if (fitting.some((a) => a.length !== known)) {
    warnings.warn(
      'hexdump-radix-ambiguous',
      `the offsets read as ${fitting.map((a) => radixName(a.radix)).join(' or ')} place the rows differently: bytes from ${hexPadded(known, 2)} on are unknown (paste the command line, e.g. \`$ od -x FILE\`)`,
      first,
    )
  }
  return {...best, length: known, beyond: 0}
}

function commonPrefix(assemblies: readonly Assembly[]): number {
  let n = Math.min(...assemblies.map((a) => a.length))
  const [a, ...rest] = assemblies
  for (const b of rest) {
    for (let i = 0; i < n; i++) {
      if (a!.bytes[i] !== b.bytes[i]) {
        n = i
        break
      }
    }
  }
  return n
}

function radixName(radix: Radix): string {
  return radix === 16 ? 'hex' : radix === 8 ? 'octal' : 'decimal'
}

const DIGITS: Record<Radix, RegExp> = {8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/}

/** NaN when the text has a digit the radix does not. */
function parseOffset(text: string, radix: Radix): number {
  return DIGITS[radix].test(text) ? Number.parseInt(text, radix) : Number.NaN
}

/** Places every row at its offset read in `radix`, expanding `*`; stops at the first row that does not follow. */
function assemble(lines: readonly DumpLine[], radix: Radix, order: ByteOrder): Assembly {
  const bytes = new Uint8Array(MAX_CONFIG)
  const lineOf = new Int32Array(MAX_CONFIG)
  let pos = 0
  let beyond = 0
  let previous: number[] | undefined
  let star: SourceRef | undefined
  /** Bytes in the last group of the last row. */
  let lastGroup = 0
  const put = (values: readonly number[], src: SourceRef) => {
    for (const v of values) {
      if (pos < MAX_CONFIG) {
        bytes[pos] = v
        lineOf[pos] = src.line!
      } else beyond++
      pos++
    }
  }
  const result = (contradiction?: Assembly['contradiction'], cutAfterStar?: SourceRef): Assembly => ({
    radix,
    bytes,
    lineOf,
    length: Math.min(pos, MAX_CONFIG),
    beyond,
    ...(contradiction ? {contradiction} : {}),
    ...(cutAfterStar ? {cutAfterStar} : {}),
  })
  /** Moves to `offset`: where the last row ended, or past repeats of it that `*` left out. */
  const reach = (text: string, src: SourceRef): string | undefined => {
    const offset = parseOffset(text, radix)
    if (offset === pos) return undefined
    if (star && previous && offset > pos && (offset - pos) % previous.length === 0) {
      while (pos < offset && pos < MAX_CONFIG) put(previous, star)
      beyond += offset - pos
      pos = offset
      return undefined
    }
    return `offset ${text} does not follow the row before (${radixName(radix)} ${hexPadded(pos, 2)} expected)`
  }
  for (const {line, src} of lines) {
    if (line.kind === 'star') {
      if (!previous) return result({message: '`*` before any row', src})
      star = src
      continue
    }
    if (line.kind === 'end' && !star && previous) {
      // od and hexdump pad an odd-sized file's last word with zeros; the end offset gives its size.
      const offset = parseOffset(line.offset, radix)
      if (offset < pos && pos - offset < lastGroup) {
        beyond = Math.max(0, beyond - (pos - offset))
        pos = offset
      }
    }
    const problem = reach(line.offset, src)
    if (problem) return result({message: problem, src})
    star = undefined
    if (line.kind === 'end') return result()
    previous = rowBytes(line.tokens, order)
    lastGroup = line.tokens[line.tokens.length - 1]!.length / 2
    put(previous, src)
  }
  return result(undefined, star)
}
