/**
 * Removes what surrounds a kernel message in the places users copy it from: terminal escapes and
 * carriage returns of a serial console, `<6>` syslog levels, `dmesg -x` facility/level, the
 * `[ sec.usec]` printk time, `dmesg -T` wall-clock stamps and journalctl's short formats.
 */

/** How a line's prefix was recognised. */
export type KernelPrefixKind = 'printk-time' | 'wall-time' | 'journal' | 'none'

export interface KernelLine {
  readonly text: string
  readonly prefix: KernelPrefixKind
  /** Seconds since boot, from `[ sec.usec]`. */
  readonly kernelTime?: number
}

// CSI/OSC/two-byte escape sequences, as a console emits them.
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-Z\\-~])/g
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\x00-\x08\x0b-\x1f\x7f]/g

const SYSLOG_LEVEL_RE = /^<\d{1,3}>/
const FACILITY_RE = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:(?:emerg|alert|crit|err|warn|notice|info|debug)\s*:\s/
const PRINTK_TIME_RE = /^\[ *(\d{1,10})\.(\d{1,9})\] ?/
/** A printk stamp after other console output on the same line (no newline in between). */
const GLUED_PRINTK_TIME_RE = /\[ *\d{1,10}\.\d{6}\] /
const WALL_TIME_RE = /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4}\] ?/
const JOURNAL_SHORT_RE = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \S+ kernel: ?/
const JOURNAL_ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d) \S+ kernel: ?/
const JOURNAL_HOST_RE = /^\S+ kernel: ?/

/** Terminal escapes out, text after the last carriage return, other control bytes dropped. */
export function cleanConsoleText(raw: string): string {
  let s = raw.includes('\x1b') ? raw.replace(ANSI_RE, '') : raw
  const cr = s.lastIndexOf('\r')
  if (cr >= 0) {
    const after = s.slice(cr + 1)
    s = after.length > 0 ? after : s.slice(0, cr)
  }
  return s.replace(CONTROL_RE, '')
}

/** Splits one cleaned line into prefix information and the message text. */
export function splitKernelPrefix(line: string): KernelLine {
  let s = line
  let m = SYSLOG_LEVEL_RE.exec(s)
  if (m) s = s.slice(m[0].length)
  m = FACILITY_RE.exec(s)
  if (m) s = s.slice(m[0].length)
  m = PRINTK_TIME_RE.exec(s)
  if (m) {
    let text = s.slice(m[0].length)
    // journalctl -o short-monotonic: `[    0.123456] host kernel: text`
    const host = JOURNAL_HOST_RE.exec(text)
    if (host && !text.startsWith('pci ')) text = text.slice(host[0].length)
    return {text, prefix: 'printk-time', kernelTime: Number(`${m[1]}.${m[2]}`)}
  }
  m = WALL_TIME_RE.exec(s)
  if (m) return {text: s.slice(m[0].length), prefix: 'wall-time'}
  m = JOURNAL_SHORT_RE.exec(s) ?? JOURNAL_ISO_RE.exec(s)
  if (m) return {text: s.slice(m[0].length), prefix: 'journal'}
  const glued = GLUED_PRINTK_TIME_RE.exec(s)
  if (glued && glued.index > 0) return splitKernelPrefix(s.slice(glued.index))
  return {text: s, prefix: 'none'}
}

/** journalctl decoration lines such as `-- Boot 3f2c... --` or `-- No entries --`. */
export function isJournalDecoration(line: string): boolean {
  return line.startsWith('-- ') && (line.endsWith(' --') || line.startsWith('-- Logs begin') || line.startsWith('-- Journal begins'))
}
