/**
 * The lines of a pasted hex dump, one at a time: data rows (`00000010: 0400 1000 ...  ....@...`),
 * `*` (rows equal to the one before left out), a lone end offset, and the shell command that made
 * the dump (`$ xxd /sys/bus/pci/devices/0000:00:03.0/config`). Mail quoting (`> `) and indentation
 * are stripped first. Offsets stay text here: their radix is only known from the whole dump.
 */
import type {PciAddress} from '../util/pci-address.js'
import {bdfFromSysfsPath} from './sysfs.js'

export type HexDumpLine =
  | {readonly kind: 'row'; readonly offset: string; readonly tokens: readonly string[]; readonly colon: boolean; readonly ascii?: string}
  | {readonly kind: 'star'}
  | {readonly kind: 'end'; readonly offset: string}
  | {readonly kind: 'command'; readonly tool: HexTool; readonly args: string; readonly address?: PciAddress}

export type HexTool = 'xxd' | 'hexdump' | 'hd' | 'od'

/** Offsets as the tools print them: od 6-7 digits, hexdump 7-8, xxd 8 (more past 4 GiB). */
const OFFSET = '[0-9a-fA-F]{4,16}'
const ROW_RE = new RegExp(`^(${OFFSET})(:?)[ \\t]+(\\S.*)$`)
const END_RE = new RegExp(`^${OFFSET}$`)
const TOKEN_RE = /^[0-9a-fA-F]+$/
/** Group widths the tools print: bytes, 16-, 32-, 64-bit words, xxd's -g16. */
const TOKEN_DIGITS = new Set([2, 4, 8, 16, 32])
/**
 * `$ xxd FILE`, `root@vm:~# sudo od -x FILE`, `cat FILE | hexdump -C`: a prompt, sudo, one pipe,
 * each optional, then the tool. Matched piece by piece, each piece taking all it can (a piece never
 * ends where the next could start): one regex of optional parts retries every split of a long
 * run of blanks, quadratic in the line.
 */
const COMMAND_PIECES = [/^\S*[$#%>][ \t]+/, /^sudo[ \t]+(?:-\S+[ \t]+)*/, /^[^|]*\|[ \t]*/] as const
const TOOL_RE = /^(xxd|hexdump|hd|od)(?=\s|$)/

export function classifyHexDumpLine(raw: string): HexDumpLine | undefined {
  const line = stripQuoting(raw)
  if (line === '') return undefined
  if (line === '*') return {kind: 'star'}
  if (END_RE.test(line)) return {kind: 'end', offset: line}
  const row = ROW_RE.exec(line)
  if (row) {
    const parsed = splitRow(row[3]!, row[2] === ':')
    if (parsed) return {kind: 'row', offset: row[1]!, colon: row[2] === ':', ...parsed}
  }
  const command = commandTool(line, 0)
  if (command) {
    // A sysfs path on the line names the device: `.../0000:00:03.0/config`.
    const address = line.split(/[\s|<>;'"]+/).map(bdfFromSysfsPath).find((a) => a !== undefined)
    return {kind: 'command', tool: command.tool, args: command.args.trim(), ...(address ? {address} : {})}
  }
  return undefined
}

/** The tool and its arguments once the optional pieces from `piece` on are taken, or left out. */
function commandTool(line: string, piece: number): {tool: HexTool; args: string} | undefined {
  if (piece === COMMAND_PIECES.length) {
    const tool = TOOL_RE.exec(line)
    return tool ? {tool: tool[1] as HexTool, args: line.slice(tool[1]!.length)} : undefined
  }
  const taken = COMMAND_PIECES[piece]!.exec(line)
  return (taken ? commandTool(line.slice(taken[0].length), piece + 1) : undefined) ?? commandTool(line, piece + 1)
}

/**
 * Leading indentation and mail quote marks (`> > `), and trailing blanks. The trailing blanks are
 * cut by a scan from the end: a regex `[ \t]+$` retries at every blank of a run that does not end
 * the line, quadratic in a long line of blanks.
 */
function stripQuoting(line: string): string {
  const unquoted = line.replace(/^(?:[ \t]*>(?=[ \t>]))*[ \t]*/, '')
  let end = unquoted.length
  while (end > 0 && (unquoted.charCodeAt(end - 1) === 0x20 || unquoted.charCodeAt(end - 1) === 0x09)) end--
  return end === unquoted.length ? unquoted : unquoted.slice(0, end)
}

/**
 * The hex groups of a row and its ASCII column, if any: `|...|` (hexdump -C), `>...<` (od -z),
 * or after two spaces (xxd). A row whose groups are not hex of one width is no row.
 */
function splitRow(rest: string, colon: boolean): {tokens: string[]; ascii?: string} | undefined {
  let hex = rest
  let ascii: string | undefined
  const bar = rest.indexOf('|')
  const angle = rest.indexOf('>')
  if (colon) {
    // xxd: the ASCII column follows two spaces; a paste that collapsed them leaves one.
    const gap = rest.indexOf('  ')
    if (gap > 0) {
      hex = rest.slice(0, gap)
      ascii = rest.slice(gap + 2).replace(/^ +/, '')
    }
  } else if (bar > 0 && rest.endsWith('|') && /\s/.test(rest[bar - 1]!)) {
    hex = rest.slice(0, bar)
    ascii = rest.slice(bar + 1, -1)
  } else if (angle > 0 && rest.endsWith('<') && /\s/.test(rest[angle - 1]!)) {
    hex = rest.slice(0, angle)
    ascii = rest.slice(angle + 1, -1)
  }
  const words = hex.trim().split(/\s+/)
  const tokens: string[] = []
  for (const word of words) {
    if (!TOKEN_RE.test(word) || word.length % 2 !== 0) break
    // xxd's last group of an odd-sized file is shorter; the other tools print one width.
    if (tokens.length > 0 && word.length !== tokens[0]!.length && !(colon && word.length < tokens[0]!.length)) break
    tokens.push(word)
  }
  if (tokens.length === 0 || !TOKEN_DIGITS.has(tokens[0]!.length)) return undefined
  const left = words.slice(tokens.length).join(' ')
  if (left !== '') {
    // What follows the groups can only be an ASCII column, which xxd alone prints bare.
    if (!colon || ascii !== undefined) return undefined
    ascii = left
  }
  return ascii === undefined ? {tokens} : {tokens, ascii}
}

/** Sniffing: a row at offset 0 and and at least one more dump line right after it. */
export class HexDumpSniffer {
  private run = 0
  found = false

  line(text: string): void {
    if (this.found) return
    const line = classifyHexDumpLine(text)
    if (line === undefined || line.kind === 'command') {
      if (text.trim() !== '') this.run = 0
      return
    }
    if (line.kind === 'row' && /^0+$/.test(line.offset)) this.run = 1
    else if (this.run > 0) this.run++
    if (this.run >= 2) this.found = true
  }
}
