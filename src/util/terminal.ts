import {hexDigits} from './hex.js'

/**
 * Text that came from inputs (device names, kernel messages, file names) is escaped before it reaches
 * a terminal: control characters (C0 but tab and newline, DEL, C1) become visible \xNN escapes, so a
 * crafted trace cannot move the cursor, change colors or set the window title. JSON output follows
 * the same rule in JSON's own notation (\u009b): JSON.stringify leaves DEL and C1 raw.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
/** What JSON.stringify leaves unescaped of CONTROL (it escapes U+0000-U+001F itself). */
const JSON_RAW_CONTROL = /[\u007f-\u009f]/g

export function sanitizeForTerminal(text: string, opts: {keepSgr?: boolean} = {}): string {
  if (!opts.keepSgr) return text.replace(CONTROL, escapeChar)
  // Keep only our own color codes (ESC [ digits;… m), escape every other control character.
  // eslint-disable-next-line no-control-regex
  return text.split(/(\u001b\[[0-9;]*m)/).map((part, i) => (i % 2 === 1 ? part : part.replace(CONTROL, escapeChar))).join('')
}

/** JSON text (2-space indent, as oclif prints it) with every control character escaped. */
export function jsonForTerminal(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replace(JSON_RAW_CONTROL, (c) => `\\u${hexDigits(c.charCodeAt(0), 4)}`)
}

const escapeChar = (c: string) => `\\x${hexDigits(c.charCodeAt(0), 2)}`

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true
}
