/**
 * The guest's serial console: markers our init prints around `dmesg`, and what we read back from it
 * (the kernel log, the kernel release, panics, failed insmods).
 */

export const DMESG_BEGIN = '===PROBEDIFF-DMESG-BEGIN==='
export const DMESG_END = '===PROBEDIFF-DMESG-END==='
export const INSMOD_FAILED_PREFIX = 'probediff-init: insmod failed: '

const PANIC = /Kernel panic - not syncing/

/** The kernel log printed between the markers (CRs removed), or undefined when it is not complete. */
export function extractDmesg(console: string): string | undefined {
  const begin = console.indexOf(`${DMESG_BEGIN}`)
  if (begin < 0) return undefined
  const afterBegin = console.indexOf('\n', begin)
  const end = console.indexOf(DMESG_END, afterBegin)
  if (afterBegin < 0 || end < 0) return undefined
  const lineStart = console.lastIndexOf('\n', end) + 1
  return console.slice(afterBegin + 1, lineStart).replace(/\r/g, '')
}

/** `Linux version 6.1.0-50-amd64 (...)` → "6.1.0-50-amd64". */
export function kernelReleaseFrom(dmesg: string): string | undefined {
  return /Linux version (\S+)/.exec(dmesg)?.[1]
}

export function hasPanic(console: string): boolean {
  return PANIC.test(console)
}

export function failedInsmods(console: string): string[] {
  const out: string[] = []
  for (const line of console.replace(/\r/g, '').split('\n')) {
    const at = line.indexOf(INSMOD_FAILED_PREFIX)
    if (at >= 0) out.push(line.slice(at + INSMOD_FAILED_PREFIX.length).trim())
  }
  return out
}

/** The lines around the first panic line: the cause usually comes just before it. */
export function panicExcerpt(console: string, before = 8, after = 12): string[] {
  const lines = console.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '')
  const at = lines.findIndex((l) => PANIC.test(l))
  return at < 0 ? [] : lines.slice(Math.max(0, at - before), at + after + 1)
}

/** The last `n` non-empty console lines, for error messages. */
export function consoleTail(console: string, n = 25): string[] {
  const lines = console.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '')
  return lines.slice(-n)
}
