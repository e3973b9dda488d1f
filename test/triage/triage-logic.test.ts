/** Which failing check the triage names, and which reads it shows, on hand-built decision paths. */
import {describe, expect, it} from 'vitest'
import type {CheckId, DecisionStep, PredictedOutcome, ReadFact} from '../../src/model/types.js'
import {adviceFor} from '../../src/triage/advice.js'
import {decisiveCheck, failureReads} from '../../src/triage/triage.js'

const read = (what: string, offset: string, value: string): ReadFact => ({what, offset, value, sources: [`dev/config#${Number.parseInt(offset, 16) & ~15}`]})
const step = (fn: string, rule: string, result: DecisionStep['result'], reads: ReadFact[] = [], check?: CheckId, detail?: string): DecisionStep => ({
  fn,
  rule,
  result,
  reads,
  ...(check ? {check} : {}),
  ...(detail ? {detail} : {}),
})

const ids = step('pci_setup_device', 'vendor, device and header type cached at enumeration', 'info', [read('PCI_VENDOR_ID/PCI_DEVICE_ID', '0x0', '0x10411af4')])
const noCommon = step('vp_modern_probe', 'no common capability: leave the device to the legacy driver', 'fail', [], 'modern.no-common', '-ENODEV')
const legacyId = step('vp_legacy_probe', 'device id outside 0x1000..0x103f', 'fail', [], 'legacy.device-id')
const legacyRev = step('vp_legacy_probe', 'revision != VIRTIO_PCI_ABI_VERSION (0)', 'fail', [], 'legacy.revision')
const misaligned = step('vp_modern_map_capability', 'common: offset & (align - 1)', 'fail', [], 'map.misaligned', 'virtio_pci: offset 2 not aligned to 4')

describe('decisiveCheck', () => {
  it('skips the legacy device-id check that only follows a failed modern probe', () => {
    expect(decisiveCheck([noCommon, legacyId])).toBe(noCommon)
  })
  it('keeps the last check otherwise', () => {
    expect(decisiveCheck([noCommon, legacyRev])).toBe(legacyRev)
    expect(decisiveCheck([legacyId])).toBe(legacyId)
    // force_legacy on a modern-only device: the legacy id check first, then the modern failure
    expect(decisiveCheck([legacyId, misaligned])).toBe(misaligned)
    expect(decisiveCheck([])).toBeUndefined()
  })
})

describe('failureReads', () => {
  it('gives a map check the bar, offset and length its map call read, not the previous call', () => {
    const isrCall = step('vp_modern_map_capability', 'isr: length <= start', 'pass', [read('cap@0x50.length', '0x5c', '0x1000')])
    const first = step('vp_modern_map_capability', 'common: bar >= PCI_STD_NUM_BARS || !(modern_bars & (1 << bar))', 'pass', [
      read('cap@0x40.bar', '0x44', '0x4'),
      read('cap@0x40.offset', '0x48', '0x2'),
    ])
    const second = step('vp_modern_map_capability', 'common: length <= start', 'pass')
    const path = [ids, isrCall, first, second, misaligned]
    expect(failureReads(misaligned, path).map((r) => r.what)).toEqual(['cap@0x40.bar', 'cap@0x40.offset'])
  })

  it('gives an id check the id read at enumeration', () => {
    const modernId = step('vp_modern_probe', 'device id outside 0x1000..0x107f', 'fail', [], 'modern.device-id')
    expect(failureReads(modernId, [ids, modernId])).toEqual(ids.reads)
  })

  it('gives missing capabilities only the lookups that came up empty', () => {
    const found = step('virtio_pci_find_capability', 'isr: first vendor capability with cfg_type 3', 'info', [read('cap@0x50.cfg_type', '0x53', '0x3')], undefined, 'cfg_type 3 at 0x50')
    const empty = step('virtio_pci_find_capability', 'notify: first vendor capability with cfg_type 2', 'info', [read('cap_ptr@0x85', '0x85', '0x60')], undefined, 'no usable cfg_type 2 capability')
    const missing = step('vp_modern_probe', '!isr || !notify', 'fail', [], 'modern.missing-caps')
    expect(failureReads(missing, [ids, found, empty, missing]).map((r) => r.what)).toEqual(['cap_ptr@0x85'])
  })
})

describe('adviceFor', () => {
  const outcome = (o: Partial<PredictedOutcome>): PredictedOutcome => ({transport: 'none', rc: 'ENODEV', messages: [], messageDetails: [], path: [], capabilities: [], mappings: [], ...o})

  it('names the skipped capability and its reason when no COMMON_CFG is usable', () => {
    const o = outcome({capabilities: [{offset: '0x40', lookup: 'common', cfgType: 1, bar: 6, decision: 'skipped', reason: 'reserved BAR value 6 (bar >= PCI_STD_NUM_BARS)'}]})
    const fix = adviceFor(noCommon, [], o)
    expect(fix.side).toBe('device')
    expect(fix.sentence).toContain('the one at 0x40 was skipped (reserved BAR value 6')
    expect(fix.sentence).toContain('driven by nothing')
  })

  it('on success after a fallback, says nothing is to fix and explains the fallback', () => {
    const o = outcome({rc: '0', transport: 'legacy', path: [step('virtio_pci_find_capability', 'common: ...', 'info', [read('PCI_STATUS', '0x6', '0x0')])]})
    const fix = adviceFor(undefined, [], o, [noCommon])
    expect(fix.side).toBe('none')
    expect(fix.sentence).toMatch(/^Nothing to fix for Linux: the probe succeeds with the legacy transport\. It got there by a fallback: /)
    expect(fix.sentence).toContain('PCI_STATUS_CAP_LIST (0x10) clear')
  })
})
