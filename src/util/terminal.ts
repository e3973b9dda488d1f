/**
 * Text that came from inputs (device names, kernel messages, file names) is escaped before it reaches
 * a terminal: control characters become visible \xNN escapes, so a crafted trace cannot move the
 * cursor, change colors or set the window title.
 */
export function sanitizeForTerminal(text: string, opts: {keepSgr?: boolean} = {}): string {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
  if (!opts.keepSgr) return text.replace(control, escapeChar)
  // Keep only our own color codes (ESC [ digits;… m), escape every other control character.
  // eslint-disable-next-line no-control-regex
  return text.split(/(\u001b\[[0-9;]*m)/).map((part, i) => (i % 2 === 1 ? part : part.replace(control, escapeChar))).join('')
}

const escapeChar = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true
}
