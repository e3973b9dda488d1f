/** Kernel versions as the rules compare them: major.minor and, when known, the stable sublevel. */

export interface KernelVersion {
  readonly major: number
  readonly minor: number
  /** Stable sublevel (6.1.176 -> 176); undefined when the release string does not say. */
  readonly sublevel?: number
}

export const kv = (major: number, minor: number, sublevel?: number): KernelVersion =>
  sublevel === undefined ? {major, minor} : {major, minor, sublevel}

export function formatVersion(v: KernelVersion): string {
  return v.sublevel === undefined ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.sublevel}`
}

/** Compares major.minor only. */
export function compareSeries(a: KernelVersion, b: KernelVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor
}

/** True from mainline release `since` on, or on the stable series of a backport from its sublevel on. */
export function hasChange(v: KernelVersion, since: KernelVersion, backports: readonly KernelVersion[] = []): boolean {
  if (compareSeries(v, since) >= 0) return true
  return backports.some((b) => compareSeries(v, b) === 0 && (v.sublevel ?? 0) >= (b.sublevel ?? 0))
}

/**
 * Reads the version out of a kernel release string. Debian names its kernels `6.1.0-28-amd64`: the
 * `.0` there is not the stable sublevel, so it is dropped; `6.12.117+deb13-amd64` and `6.6.9` carry a
 * real sublevel. Returns undefined if the string does not start with a version.
 */
export function parseRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(release.trim())
  if (!m) return undefined
  const major = Number(m[1])
  const minor = Number(m[2])
  const rest = m[4] ?? ''
  const debianAbi = m[3] === '0' && /^-\d+/.test(rest)
  if (m[3] === undefined || debianAbi) return kv(major, minor)
  return kv(major, minor, Number(m[3]))
}

/**
 * The upstream version a Debian banner names: `... #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)`
 * -> 6.1.176. The banner also names the compiler's Debian version (`gcc-12 (Debian 12.2.0-14...)`), so
 * the match on the kernel's own series is taken.
 */
export function parseDebianBanner(banner: string, series: KernelVersion): KernelVersion | undefined {
  for (const m of banner.matchAll(/\bDebian (\d+)\.(\d+)\.(\d+)[-+~]/g)) {
    const v = kv(Number(m[1]), Number(m[2]), Number(m[3]))
    if (compareSeries(v, series) === 0) return v
  }
  return undefined
}
