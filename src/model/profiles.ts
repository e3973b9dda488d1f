/**
 * Kernel profiles: which Linux the model imitates. A profile is a version plus the rules derived from
 * it; each rule is a small function of the version, so any release of MODELLED_RANGE (5.4 to the
 * newest series read), stable point releases included, is replayed with the rules in force at that
 * release (6.1.61+ has the 60-byte common map). The named profiles (5.10, 6.1, 6.12, mainline) are
 * the releases whose sources were read, and aliases for them; adding one is one entry in
 * KNOWN_PROFILES.
 *
 * Where each rule was checked (kernel sources read for this model):
 *  - Debian linux-source-5.10 5.10.223-1, linux-source-6.1 6.1.192-2, linux-source-6.12 6.12.117-1,
 *    linux-source-7.2 7.2.13-1 and 7.3.4-1~bpo13+1 (the `mainline` profile; same as 6.12 in every
 *    modelled function):
 *    drivers/virtio/virtio_pci_{common,modern,modern_dev,legacy,legacy_dev}.c, drivers/pci/pci.c,
 *    drivers/pci/pci.h, drivers/base/dd.c, lib/pci_iomap.c / drivers/pci/iomap.c;
 *  - Debian's 6.1 changelog: "virtio_pci: fix the common cfg map size" entered with stable 6.1.61;
 *  - the driver-core pull for 6.9-rc1 carries "driver: core: Log probe failure as error and with device
 *    metadata" (the dd.c message change);
 *  - the virtio pull merged for 5.16-rc1 carries "virtio-pci: introduce legacy device module", whose
 *    vp_legacy_probe has a silent revision check;
 *  - PCI core walk of 6.18 (PCI_FIND_NEXT_CAP macro): same reads and stops as before.
 *  - 5.4 to 5.9: no tree of these was read for this model; the shared reference (which read 5.4.286)
 *    has the same rules there as 5.10 (inline virtio_pci_modern_probe and map_capability in
 *    virtio_pci_modern.c, virtio_pci_legacy_probe in virtio_pci_legacy.c, `bar > 0x5`, pr_warn from
 *    really_probe): every rule below evaluates at 5.4 as at 5.10.
 * Boundaries taken from the shared reference without a source at the boundary itself are marked
 * "(reference)" below.
 */
import {type KernelVersion, compareSeries, formatVersion, hasChange, kv, parseDebianBanner, parseRelease} from './kernel-version.js'
import {KERNEL_SERIES, type KernelSeries} from './series.js'

export type ProbeFailureReport = 'pr_warn' | 'dev_err'

export interface ProfileRules {
  /** Modern probe: inline virtio_pci_modern_probe in virtio_pci_modern.c up to 5.11, vp_modern_probe
   * in virtio_pci_modern_dev.c from 5.12 (reference; 5.10 and 6.1 checked). */
  readonly modernProbeFn: 'virtio_pci_modern_probe' | 'vp_modern_probe'
  readonly mapCapabilityFn: 'map_capability' | 'vp_modern_map_capability'
  readonly modernFile: string
  /** Legacy probe: virtio_pci_legacy_probe in virtio_pci_legacy.c up to 5.15, vp_legacy_probe in
   * virtio_pci_legacy_dev.c from 5.16. */
  readonly legacyProbeFn: 'virtio_pci_legacy_probe' | 'vp_legacy_probe'
  readonly legacyFile: string
  /** How virtio_pci_find_capability spells the reserved-BAR skip (same effect). 5.19 (reference). */
  readonly reservedBarRule: 'bar > 0x5' | 'bar >= PCI_STD_NUM_BARS'
  /** vp_modern_map_capability re-checks the BAR against modern_bars first. 5.19 (reference). */
  readonly mapBarRecheck: boolean
  /** The `size` argument of the common-config map: 56, 60 (6.6, and 6.1 from 6.1.61), 64 (6.8). */
  readonly commonMapSize: number
  /** mdev->common_len is recorded (6.7, reference). */
  readonly recordsCommonLen: boolean
  /** Legacy revision mismatch is reported by printk(KERN_ERR) without a device prefix (up to 5.15). */
  readonly legacyAbiMessage: boolean
  /** Errno when pci_iomap of BAR0 fails in the legacy probe: -ENOMEM up to 5.16, -EIO from 5.17
   * (reference; 5.10 and 6.1 checked). */
  readonly legacyIomapErrno: 'ENOMEM' | 'EIO'
  /** vp_modern_probe releases modern_bars when a map fails (5.19, 5.15.100; reference). */
  readonly releaseRegionsOnMapError: boolean
  /** dd.c call_driver_probe on a failed probe: pr_warn up to 6.8, dev_err from 6.9. */
  readonly probeFailureReport: ProbeFailureReport
  /** Name of the PCI core routine that walks the list (macro from 6.18; same reads and stops). */
  readonly capWalkFn: '__pci_find_next_cap_ttl' | 'PCI_FIND_NEXT_CAP'
  /** The dd.c function that reports the probe's return: really_probe in 5.10, call_driver_probe in
   * 6.1 (split out in 5.14 by the "Better distinguish probe errors" series; boundary not checked). */
  readonly driverCoreFn: 'really_probe' | 'call_driver_probe'
  /** setup_vq (not part of the probe): errno for index >= num_queues: -ENOENT, -EINVAL from 6.2
   * (stable 6.1.8 per Debian's changelog; 5.15.100 has it per the reference). */
  readonly setupVqIndexErrno: 'ENOENT' | 'EINVAL'
  /** setup_vq: a queue size that is not a power of 2 -> dev_warn "bad queue size %u", -EINVAL; removed
   * in 6.4 (reference; 6.1.192 has it, 6.12.117 does not). */
  readonly setupVqPow2Check: boolean
  /** setup_vq: errno when the notify address cannot be had ("bad notification offset" or a per-queue
   * map failure): -EINVAL for the first up to 5.12, -ENOMEM from 5.14 (reference; 5.10 and 6.1 read). */
  readonly setupVqBadNotifyErrno: 'EINVAL' | 'ENOMEM'
  /** Where a queue's MSI-X vector is written and checked: setup_vq, or vp_active_vq from 6.0 (split
   * out for virtqueue reset; 5.10 has it in setup_vq, 6.1 in vp_active_vq; boundary not checked). */
  readonly queueVectorFn: 'setup_vq' | 'vp_active_vq'
}

export interface KernelProfile {
  /** Profile name: `5.10`, `6.1`, `6.12`, `mainline`. */
  readonly name: string
  /** The version the rules are evaluated at. */
  readonly version: KernelVersion
  /** Which sources the profile was checked against. */
  readonly basis: string
  /** How a release string was mapped to this profile, when it was. */
  readonly selection?: string
  readonly rules: ProfileRules
}

/** The rules at a version: one small function per difference. */
export function rulesAt(v: KernelVersion): ProfileRules {
  const modernDev = hasChange(v, kv(5, 12))
  const legacyDev = hasChange(v, kv(5, 16))
  const common64 = hasChange(v, kv(6, 8))
  const common60 = hasChange(v, kv(6, 6), [kv(6, 1, 61)])
  return {
    modernProbeFn: modernDev ? 'vp_modern_probe' : 'virtio_pci_modern_probe',
    mapCapabilityFn: modernDev ? 'vp_modern_map_capability' : 'map_capability',
    modernFile: modernDev ? 'drivers/virtio/virtio_pci_modern_dev.c' : 'drivers/virtio/virtio_pci_modern.c',
    legacyProbeFn: legacyDev ? 'vp_legacy_probe' : 'virtio_pci_legacy_probe',
    legacyFile: legacyDev ? 'drivers/virtio/virtio_pci_legacy_dev.c' : 'drivers/virtio/virtio_pci_legacy.c',
    reservedBarRule: hasChange(v, kv(5, 19)) ? 'bar >= PCI_STD_NUM_BARS' : 'bar > 0x5',
    mapBarRecheck: hasChange(v, kv(5, 19)),
    commonMapSize: common64 ? 64 : common60 ? 60 : 56,
    recordsCommonLen: hasChange(v, kv(6, 7)),
    legacyAbiMessage: !legacyDev,
    legacyIomapErrno: hasChange(v, kv(5, 17)) ? 'EIO' : 'ENOMEM',
    releaseRegionsOnMapError: hasChange(v, kv(5, 19), [kv(5, 15, 100)]),
    probeFailureReport: hasChange(v, kv(6, 9)) ? 'dev_err' : 'pr_warn',
    capWalkFn: hasChange(v, kv(6, 18)) ? 'PCI_FIND_NEXT_CAP' : '__pci_find_next_cap_ttl',
    driverCoreFn: hasChange(v, kv(5, 14)) ? 'call_driver_probe' : 'really_probe',
    setupVqIndexErrno: hasChange(v, kv(6, 2), [kv(6, 1, 8), kv(5, 15, 100)]) ? 'EINVAL' : 'ENOENT',
    setupVqPow2Check: !hasChange(v, kv(6, 4)),
    setupVqBadNotifyErrno: hasChange(v, kv(5, 14)) ? 'ENOMEM' : 'EINVAL',
    queueVectorFn: hasChange(v, kv(6, 0)) ? 'vp_active_vq' : 'setup_vq',
  }
}

interface KnownProfile {
  /** A kernel series, or for a release between them, its major.minor. */
  readonly name: string
  readonly version: KernelVersion
  readonly basis: string
}

/** One profile per kernel series (`mainline` is the newest kernel read). The sublevel is the one whose
 * sources were read. */
const PROFILE_SOURCES: Readonly<Record<KernelSeries, Omit<KnownProfile, 'name'>>> = {
  '5.10': {version: kv(5, 10, 223), basis: 'Debian linux-source-5.10 5.10.223-1 (bullseye)'},
  '6.1': {version: kv(6, 1, 192), basis: 'Debian linux-source-6.1 6.1.192-2 (bookworm)'},
  '6.12': {version: kv(6, 12, 117), basis: 'Debian linux-source-6.12 6.12.117-1 (trixie)'},
  mainline: {version: kv(7, 3, 4), basis: 'Debian linux-source 7.3.4-1~bpo13+1 (the tree `oracle build --debian mainline` fetches; 7.2.13-1 read before it, same rules)'},
}

/** Oldest first, in the order of KERNEL_SERIES. */
const KNOWN_PROFILES: readonly KnownProfile[] = KERNEL_SERIES.map((name) => ({name, ...PROFILE_SOURCES[name]}))

export const PROFILE_NAMES: readonly string[] = KERNEL_SERIES

function build(known: KnownProfile, version: KernelVersion = known.version, selection?: string): KernelProfile {
  const profile = {name: known.name, version, basis: known.basis, rules: rulesAt(version)}
  return selection === undefined ? profile : {...profile, selection}
}

/** A profile by its name (`--kernel 6.1`), or undefined. */
export function profileByName(name: string): KernelProfile | undefined {
  const known = KNOWN_PROFILES.find((p) => p.name === name)
  return known ? build(known) : undefined
}

/** The releases the rule table is known for: from 5.4 (the oldest series whose sources the shared
 * reference read: 5.4.286; 5.4 to 5.9 rest on it, no tree of them was read here) to the newest series
 * read (the `mainline` profile). Outside it a rule may have changed in a way the table does not say. */
export const MODELLED_RANGE: {readonly oldest: KernelVersion; readonly newest: KernelVersion} = {
  oldest: kv(5, 4),
  newest: KNOWN_PROFILES[KNOWN_PROFILES.length - 1]!.version,
}

/** `5.4 to 7.3.x` */
export function describeModelledRange(): string {
  const n = MODELLED_RANGE.newest
  return `${formatVersion(MODELLED_RANGE.oldest)} to ${n.major}.${n.minor}.x`
}

/** A highest sublevel no stable series reaches: evaluating at it shows every backport of the series. */
const LATEST_SUBLEVEL = 100_000

/** A release whose virtio-pci rules the model does not know (outside MODELLED_RANGE). The layers
 * above say whose input it was: a usage error for --kernel, an input error for a log's banner. */
export class ReleaseOutOfRange extends Error {}

/**
 * The profile for a running kernel, from its release (`6.1.0-28-amd64`, `6.12.117+deb13-amd64`,
 * `5.19.0`) and, if given, the whole `Linux version` banner, whose `Debian 6.1.176-1` gives the stable
 * sublevel Debian's release string hides. The rules are always evaluated at that release itself:
 * there is no snapping to a neighbouring profile. A release of a profile's series keeps the profile's
 * name (`6.1`), so its oracle build and goldens are found; other releases are named by their series
 * (`5.19`). When the stable sublevel is not known, the rules are taken at the profile's sublevel on a
 * profile's series, else at .0, and the rules a later point release of that series changes are named.
 * `selection` says what was done. Returns undefined if the release has no version in it; throws
 * ReleaseOutOfRange for a release outside MODELLED_RANGE.
 */
export function profileFor(release: string, banner?: string): KernelProfile | undefined {
  const parsed = parseRelease(release)
  if (!parsed) return undefined
  const fromBanner = banner ? parseDebianBanner(banner, parsed) : undefined
  const version = fromBanner ?? parsed
  if (compareSeries(version, MODELLED_RANGE.oldest) < 0 || compareSeries(version, MODELLED_RANGE.newest) > 0) {
    throw new ReleaseOutOfRange(
      `kernel ${release}: outside the modelled range ${describeModelledRange()} (the virtio-pci rules of other releases are not known); give --kernel with a release in that range or a profile (${PROFILE_NAMES.join(', ')})`,
    )
  }
  const known = KNOWN_PROFILES.find((p) => compareSeries(p.version, version) === 0)
  if (known) {
    const exact = version.sublevel === undefined ? known.version : version
    const how =
      version.sublevel === undefined
        ? `${release}: profile ${known.name}, stable sublevel unknown, rules at ${formatVersion(known.version)}`
        : `${release}: profile ${known.name}, rules at ${formatVersion(version)}`
    return build(known, exact, how)
  }
  const series = `${version.major}.${version.minor}`
  const other: KnownProfile = {name: series, version, basis: `the rule table at ${series} (no ${series} tree was read; see profiles.ts for where each boundary was checked)`}
  if (version.sublevel !== undefined) return build(other, version, `${release}: rules at ${formatVersion(version)} (no ${series} profile: rule table)`)
  const backported = ruleDifferences(rulesAt(version), rulesAt(kv(version.major, version.minor, LATEST_SUBLEVEL)))
  const caveat = backported.length > 0 ? `; a later ${series} stable release would differ in ${backported.join(', ')}` : ''
  return build(other, version, `${release}: stable sublevel unknown, rules at ${series}.0 (no ${series} profile: rule table${caveat})`)
}

/** Names of the rules whose values differ. */
export function ruleDifferences(a: ProfileRules, b: ProfileRules): string[] {
  return (Object.keys(a) as (keyof ProfileRules)[]).filter((k) => a[k] !== b[k])
}

/** A profile name, or a release string mapped as profileFor does; undefined if it is neither.
 * Throws ReleaseOutOfRange as profileFor does. */
export function resolveRelease(spec: string): KernelProfile | undefined {
  return profileByName(spec) ?? profileFor(spec)
}
