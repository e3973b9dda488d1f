/**
 * assessDevice's wiring at its edges: whether the trace had status events at all (for any device),
 * the logged kernel's legacy BAR 0 errno, a Linux version line naming no release, and the lines the
 * setup_vq model predicts being set aside before the verdict compares messages (per-queue notify).
 * Devices from test/outcome/builders.ts, config spaces from test/model/builders.ts.
 */
import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import type {DeviceEvidence, EvidenceSet, RegionAccess} from '../../src/evidence/types.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import {profileByName} from '../../src/model/profiles.js'
import {assessDevice, profileOf} from '../../src/outcome/assess.js'
import {type ConfigBuilder, qemuModern, qemuTransitional} from '../model/builders.js'
import {BDF, LINUX_OK, device} from './builders.js'

const set = (o: Partial<EvidenceSet>): EvidenceSet => ({devices: [], otherMessages: [], inputs: [], warnings: [], ...o})
const DMESG = {file: 'dmesg.txt', format: 'dmesg' as const, bytes: 100, records: 3, unknownEvents: {}}
const driver61 = linuxVirtioPci(profileByName('6.1')!)

/** The builder's config space as a dump (unknown bytes 0). */
function imageOf(cfg: ConfigBuilder): ConfigImage {
  const reader = cfg.reader()
  const bytes = Uint8Array.from({length: 256}, (_, at) => {
    const r = reader.read(at, 1)
    return r.known ? r.value : 0
  })
  const image = new ConfigImage()
  image.observeDump(bytes, (at) => ({file: 'config.txt', line: at + 1}), 0)
  return image
}

describe('assessDevice: status events traced for another device', () => {
  it('a device without status events of its own: not registered when the trace has status events of another device, unknown when none has', () => {
    const quiet = device({})
    const busy = {...device({status: LINUX_OK}), bdf: '0000:00:04.0'}
    expect(assessDevice(set({devices: [quiet, busy]}), quiet, driver61, false).observed).toMatchObject({transport: 'none', acknowledged: false})
    const alone = assessDevice(set({devices: [quiet]}), quiet, driver61, false).observed!
    expect(alone).toMatchObject({transport: 'unknown', acknowledgedKnown: false})
  })
})

describe('assessDevice: the logged kernel\'s legacy BAR 0 errno (force_legacy, registered, no probe line)', () => {
  const ENUM = `pci ${BDF}: [1af4:1000] type 00 class 0x020000`
  const kernel = (release: string, banner: string) => ({release, banner, src: {file: 'dmesg.txt', line: 1}})
  const k61 = kernel('6.1.0-28-amd64', 'Linux version 6.1.0-28-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)')
  const k510 = kernel('5.10.0-46-amd64', 'Linux version 5.10.0-46-amd64 (...) #1 SMP Debian 5.10.223-1 (2024-08-10)')
  const dev: DeviceEvidence = {
    ...device({traced: false, messages: [ENUM]}),
    config: imageOf(qemuTransitional()),
    kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 3}},
  }
  const cmdline = {text: 'virtio_pci.force_legacy=1', src: {file: 'dmesg.txt', line: 2}}

  it('6.1 (-EIO from 5.17): a failed BAR 0 map would have been printed, so legacy', () => {
    const a = assessDevice(set({devices: [dev], kernel: k61, cmdline}), dev, driver61, true)
    expect(a.observed).toMatchObject({transport: 'legacy', acknowledged: true})
    expect(a.observed!.transportEvidence).toBe(
      "registered with force_legacy on and no probe message: device id 0x1000 (config.txt:3) and revision 0 (config.txt:9) pass the legacy probe's checks, and a failed BAR 0 map would have been reported (-EIO)",
    )
  })

  it('5.10 (-ENOMEM falls back silently) with BAR 0 not known: unknown', () => {
    const a = assessDevice(set({devices: [dev], kernel: k510, cmdline}), dev, driver61, true)
    expect(a.observed!.transportEvidence).toBe(
      "registered with force_legacy on and no probe message: device id 0x1000 (config.txt:3) and revision 0 (config.txt:9) pass the legacy probe's checks; legacy, or modern after a failed BAR 0 map (-ENOMEM falls back silently)",
    )
    expect(a.observed!.transport).toBe('unknown')
  })

  it('a Linux version line whose release names no version: no profile, and the log read without a kernel\'s rules', () => {
    const odd = kernel('nonsense', 'Linux version nonsense (...)')
    expect(profileOf(set({kernel: odd}))).toBeUndefined()
    const a = assessDevice(set({devices: [dev], kernel: odd, cmdline}), dev, driver61, true)
    expect(a.observed!.transport).toBe('unknown')
  })
})

describe('assessDevice: a log without a Linux version line', () => {
  it('read as from a kernel that does not print the ABI line: "leaving for legacy driver" with the revision unknown stays unknown', () => {
    const dev: DeviceEvidence = {...device({traced: false, messages: [`pci ${BDF}: [1af4:1000] type 00 class 0x020000`, `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`]})}
    const a = assessDevice(set({devices: [dev], inputs: [DMESG]}), dev, driver61, false)
    expect(a.observed).toMatchObject({transport: 'unknown', acknowledged: false, acknowledgedKnown: false})
    expect(a.observed!.transportEvidence).toBe(
      '"leaving for legacy driver" (dmesg.txt:2) and no error after it: legacy, or the legacy probe declined silently (revision unknown, and this kernel declines a revision other than 0 silently)',
    )
  })
})

describe('assessDevice: lines the setup_vq model predicts are set aside before the messages are compared', () => {
  // Per-queue notify (a 4 MiB notify structure): setup_vq maps queue 0 through vp_modern_map_capability,
  // whose check prints the same "bad capability len" line a probe-time map would.
  const perQueue = qemuModern({mult: 0x1000}).virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x400000, mult: 0x1000})
  const LINE = `virtio-pci ${BDF}: virtio_pci: bad capability len 4194304 (>4194304 expected)`
  const common = (line: number, op: 'read' | 'write', offset: number, value: number): RegionAccess => ({region: 'common', op, offset, size: 2, value, src: {file: 'trace.log', line}, addr: 0xfe000000 + offset, bar: 4})

  function traced(messages: string[]): DeviceEvidence {
    const base = device({status: LINUX_OK, messages})
    return {
      ...base,
      config: imageOf(perQueue),
      bars: base.bars.map((b) => (b.index === 4 ? {...b, kind: 'mem' as const, size: 0x800000, addr: 0xfe000000} : b.index === 1 ? {...b, kind: 'mem' as const, size: 0x1000, addr: 0xfebc0000} : {...b, size: 0})),
      regionAccesses: [common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 256), common(104, 'read', 0x1c, 0), common(105, 'read', 0x1e, 0x400)],
    }
  }

  it('the queue\'s map line in the log: predicted by setup_vq, so the probe verdict agrees', () => {
    const dev = traced([LINE])
    const a = assessDevice(set({devices: [dev], inputs: [DMESG]}), dev, driver61, false)
    expect(a.setupVq).toMatchObject([{index: 0, rc: 'ENOMEM', messages: [{level: 'err', text: LINE}]}])
    expect(a.verdict).toStrictEqual({kind: 'agree'})
  })

  it('the line twice: the second is not predicted', () => {
    const dev = traced([LINE, LINE])
    expect(assessDevice(set({devices: [dev], inputs: [DMESG]}), dev, driver61, false).verdict).toStrictEqual({kind: 'disagree', reason: `messages: observed "${LINE}", not predicted`})
  })

  it('a legacy prediction (force_legacy, a transitional device) runs no setup_vq, even with the queue registers traced', () => {
    const t = traced([])
    const dev = {...t, config: imageOf(qemuTransitional()), bars: t.bars.map((b) => (b.index === 0 ? {...b, kind: 'io' as const, size: 0x40, addr: 0xc000} : b))}
    const a = assessDevice(set({devices: [dev], inputs: [DMESG]}), dev, driver61, true)
    expect(a.result.predicted).toMatchObject({transport: 'legacy', rc: '0'})
    expect(a.setupVq).toBeUndefined()
  })
})

describe('assessDevice: whether any input is a kernel log', () => {
  it('a dumped device with no kernel log and no driver line has no observed side; a dmesg input among the inputs gives it one', () => {
    const dumped = device({traced: false})
    const LSPCI = {file: 'lspci.txt', format: 'lspci' as const, bytes: 100, records: 1, unknownEvents: {}}
    expect(assessDevice(set({devices: [dumped], inputs: [LSPCI]}), dumped, driver61, false).observed).toBeUndefined()
    expect(assessDevice(set({devices: [dumped], inputs: [LSPCI, DMESG]}), dumped, driver61, false).observed).toBeDefined()
  })
})
