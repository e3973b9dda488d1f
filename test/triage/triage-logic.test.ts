/** Which failing check the triage names, and what it advises, on hand-built decision paths. */
import {describe, expect, it} from 'vitest'
import type {CheckFacts, CheckId, CheckStep, DecisionStep, PredictedOutcome, ReadFact} from '../../src/model/types.js'
import {adviceFor} from '../../src/triage/advice.js'
import {decisiveCheck} from '../../src/triage/triage.js'

const read = (what: string, offset: string, value: string): ReadFact => ({what, offset, value, sources: [`dev/config#${Number.parseInt(offset, 16) & ~15}`]})
const step = (fn: string, rule: string, result: PlainStep['result'], reads: ReadFact[] = []): DecisionStep => ({fn, rule, result, reads})
const check = <K extends CheckId>(fn: string, rule: string, c: K, facts: CheckFacts[K], detail?: string): CheckStep<K> =>
  ({fn, rule, result: 'fail', reads: [], check: c, facts, basis: [], ...(detail ? {detail} : {})}) as CheckStep<K>
type PlainStep = Exclude<DecisionStep, CheckStep>

const noCommon = check('vp_modern_probe', 'no common capability: leave the device to the legacy driver', 'modern.no-common', {pciStatus: 0}, '-ENODEV')
const legacyId = check('vp_legacy_probe', 'device id outside 0x1000..0x103f', 'legacy.device-id', {device: 0x1041})
const legacyRev = check('vp_legacy_probe', 'revision != VIRTIO_PCI_ABI_VERSION (0)', 'legacy.revision', {revision: 1, expected: 0})
const misaligned = check('vp_modern_map_capability', 'common: offset & (align - 1)', 'map.misaligned', {struct: 'common', capOffset: 0x40, offset: 2, align: 4}, 'virtio_pci: offset 2 not aligned to 4')

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

describe('adviceFor', () => {
  const outcome = (o: Partial<PredictedOutcome>): PredictedOutcome => ({transport: 'none', rc: 'ENODEV', messages: [], messageDetails: [], attempts: [], path: [], capabilities: [], mappings: [], ...o})

  it('names the skipped capability and its reason when no COMMON_CFG is usable', () => {
    const o = outcome({capabilities: [{offset: '0x40', lookup: 'common', cfgType: 1, bar: 6, decision: 'skipped', reason: 'reserved BAR value 6 (bar >= PCI_STD_NUM_BARS)'}]})
    const fix = adviceFor(noCommon, o)
    expect(fix.side).toBe('device')
    expect(fix.sentence).toContain('the one at 0x40 was skipped (reserved BAR value 6')
    expect(fix.sentence).toContain('driven by nothing')
  })

  it('on success after a fallback, says nothing is to fix and explains the fallback', () => {
    const o = outcome({rc: '0', transport: 'legacy', path: [step('virtio_pci_find_capability', 'common: ...', 'info', [read('PCI_STATUS', '0x6', '0x0')])]})
    const fix = adviceFor(undefined, o, [noCommon])
    expect(fix.side).toBe('none')
    expect(fix.sentence).toMatch(/^Nothing to fix for Linux: the probe succeeds with the legacy transport\. It got there by a fallback: /)
    expect(fix.sentence).toContain('PCI_STATUS_CAP_LIST (0x10) clear')
  })
})
