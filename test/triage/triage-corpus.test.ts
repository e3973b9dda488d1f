/**
 * Triage on the hand-made fault cases (traces/fault-*, static sysfs dumps of a real QEMU device with one
 * documented mutation each) and on real captures: the failing rule, the bytes it read (with the config
 * file and byte offset they came from), the exact kernel message, the fix side and the dmesg statement.
 * Every expectation below was checked by hand against the kernel sources named in each case.json.
 */
import {describe, expect, it} from 'vitest'
import type {CheckId, ReadFact} from '../../src/model/types.js'
import type {FixSide} from '../../src/triage/advice.js'
import type {TriageReport} from '../../src/triage/triage.js'
import {FAULT_CASES} from './fault-cases.js'
import {triageCase} from './triage-case.js'

/** A config read the outcome rests on: offset and value as the kernel read them. */
interface Byte {
  readonly what: string
  readonly offset?: string
  readonly value: string
  /** Evidence reference: `<bdf>/config#<first>-<last>` (byte offsets in the sysfs file) for config
   * bytes, `<bdf>/resource:<line>` for BAR facts. */
  readonly source: string
}

interface Expectation {
  readonly bdf: string
  readonly rc: string
  readonly transport: string
  /** The failing check (absent when the probe succeeds). */
  readonly failure?: {readonly check: CheckId; readonly fn: string; readonly rule: string; readonly message?: string}
  /** The mutated bytes, as the failing check (or, on success, the decision path) read them. */
  readonly bytes: readonly Byte[]
  /** Every message the kernel prints for this device, in order. */
  readonly messages: readonly string[]
  readonly fallbacks: readonly CheckId[]
  readonly laterFailures?: readonly CheckId[]
  readonly side: FixSide
  /** Words the fix sentence must name. */
  readonly fixNames: readonly string[]
}

const M = '0000:00:02.0' // modern-only virtio-net seed
const T = '0000:00:03.0' // transitional virtio-blk seed
const cfgBytes = (bdf: string, offset: number, width: number) => `${bdf}/config#${offset}${width > 1 ? `-${offset + width - 1}` : ''}`
const byte = (bdf: string, what: string, offset: number, value: string, width: 1 | 2 | 4): Byte => ({
  what,
  offset: `0x${offset.toString(16)}`,
  value,
  source: cfgBytes(bdf, offset, width),
})
const DD_61 = (bdf: string) => `virtio-pci: probe of ${bdf} failed with error -22`

const EXPECTED: Record<string, Expectation> = {
  'fault-control-modern': {bdf: M, rc: '0', transport: 'modern', bytes: [], messages: [], fallbacks: [], side: 'none', fixNames: ['modern']},
  'fault-control-transitional': {bdf: T, rc: '0', transport: 'modern', bytes: [], messages: [], fallbacks: [], side: 'none', fixNames: ['modern']},
  'fault-missing-notify': {
    bdf: M,
    rc: 'EINVAL',
    transport: 'none',
    failure: {check: 'modern.missing-caps', fn: 'vp_modern_probe', rule: '!isr || !notify', message: `virtio-pci ${M}: virtio_pci: missing capabilities 64/80/0`},
    bytes: [byte(M, 'cap_ptr@0x85', 0x85, '0x60', 1)],
    messages: [`virtio-pci ${M}: virtio_pci: missing capabilities 64/80/0`, DD_61(M)],
    fallbacks: [],
    side: 'device',
    fixNames: ['NOTIFY_CFG'],
  },
  'fault-short-common': {
    bdf: M,
    rc: 'EINVAL',
    transport: 'none',
    failure: {check: 'map.len-below-minlen', fn: 'map_capability', rule: 'common: length - start < minlen', message: `virtio-pci ${M}: virtio_pci: bad capability len 48 (>=56 expected)`},
    bytes: [byte(M, 'cap@0x40.length', 0x4c, '0x30', 4)],
    messages: [`virtio-pci ${M}: virtio_pci: bad capability len 48 (>=56 expected)`, DD_61(M)],
    fallbacks: [],
    side: 'device',
    fixNames: ['COMMON_CFG', '48', '>=56'],
  },
  'fault-misaligned-offset': {
    bdf: M,
    rc: 'EINVAL',
    transport: 'none',
    failure: {check: 'map.misaligned', fn: 'vp_modern_map_capability', rule: 'common: offset & (align - 1)', message: `virtio-pci ${M}: virtio_pci: offset 2 not aligned to 4`},
    bytes: [byte(M, 'cap@0x40.offset', 0x48, '0x2', 4)],
    messages: [`virtio-pci ${M}: virtio_pci: offset 2 not aligned to 4`, DD_61(M)],
    fallbacks: [],
    side: 'device',
    fixNames: ['COMMON_CFG', '0x2', '4 bytes'],
  },
  'fault-notify-out-of-bar': {
    bdf: M,
    rc: 'EINVAL',
    transport: 'none',
    failure: {
      check: 'map.out-of-range',
      fn: 'vp_modern_map_capability',
      rule: 'notify: minlen + offset > pci_resource_len(bar)',
      message: `virtio-pci ${M}: virtio_pci: map virtio 2@16384 out of range on bar 4 length 16384`,
    },
    bytes: [byte(M, 'cap@0x70.offset', 0x78, '0x4000', 4), {what: 'pci_resource_len(4)', value: '0x4000', source: `${M}/resource:5`}],
    messages: [`virtio-pci ${M}: virtio_pci: map virtio 2@16384 out of range on bar 4 length 16384`, `virtio-pci ${M}: probe with driver virtio-pci failed with error -22`],
    fallbacks: [],
    side: 'device',
    fixNames: ['NOTIFY_CFG', '0x4000', 'BAR 4'],
  },
  'fault-bar-field-6': {
    bdf: M,
    rc: 'ENODEV',
    transport: 'none',
    failure: {check: 'modern.no-common', fn: 'vp_modern_probe', rule: 'no common capability: leave the device to the legacy driver', message: `virtio-pci ${M}: virtio_pci: leaving for legacy driver`},
    bytes: [byte(M, 'cap@0x40.bar', 0x44, '0x6', 1)],
    messages: [`virtio-pci ${M}: virtio_pci: leaving for legacy driver`],
    fallbacks: [],
    laterFailures: ['legacy.device-id'],
    side: 'device',
    fixNames: ['COMMON_CFG', '0x40', 'reserved BAR value 6'],
  },
  'fault-first-cap-empty-bar': {
    bdf: M,
    rc: '0',
    transport: 'modern',
    bytes: [byte(M, 'cap@0x84.cfg_type', 0x87, '0x1', 1), {what: 'pci_resource_len(0)', value: '0x0', source: `${M}/resource:1`}],
    messages: [],
    fallbacks: [],
    side: 'none',
    fixNames: ['modern'],
  },
  'fault-cyclic-caplist': {
    bdf: M,
    rc: 'hang',
    transport: 'none',
    failure: {check: 'find.cycle', fn: 'virtio_pci_find_capability', rule: 'vendor capability 0x70 reached again: the walk never ends'},
    // The PCI core reads a capability header as one word: id 0x09, next 0x70.
    bytes: [byte(M, 'cap@0x60.id/next', 0x60, '0x7009', 2)],
    messages: [],
    fallbacks: [],
    side: 'device',
    fixNames: ['loops', 'hangs'],
  },
  'fault-caplist-bit-clear': {
    bdf: T,
    rc: '0',
    transport: 'legacy',
    bytes: [byte(T, 'PCI_STATUS', 0x6, '0x0', 2)],
    messages: [`virtio-pci ${T}: virtio_pci: leaving for legacy driver`],
    fallbacks: ['modern.no-common'],
    side: 'none',
    fixNames: ['legacy', 'PCI_STATUS_CAP_LIST'],
  },
  'fault-device-id-out-of-range': {
    bdf: M,
    rc: 'ENODEV',
    transport: 'none',
    failure: {check: 'modern.device-id', fn: 'vp_modern_probe', rule: 'device id outside 0x1000..0x107f'},
    bytes: [byte(M, 'PCI_VENDOR_ID/PCI_DEVICE_ID', 0x0, '0x10801af4', 4)],
    messages: [],
    fallbacks: [],
    laterFailures: ['legacy.device-id'],
    side: 'device',
    fixNames: ['0x1080', '0x1000..0x107f'],
  },
  'fault-legacy-revision-5.10': {
    bdf: T,
    rc: 'ENODEV',
    transport: 'none',
    failure: {check: 'legacy.revision', fn: 'virtio_pci_legacy_probe', rule: 'revision != VIRTIO_PCI_ABI_VERSION (0)', message: 'virtio_pci: expected ABI version 0, got 1'},
    bytes: [byte(T, 'PCI_REVISION_ID', 0x8, '0x1', 1)],
    messages: [`virtio-pci ${T}: virtio_pci: leaving for legacy driver`, 'virtio_pci: expected ABI version 0, got 1'],
    fallbacks: ['modern.no-common'],
    side: 'device',
    fixNames: ['revision 1', 'revision 0'],
  },
  'fault-legacy-revision-6.1': {
    bdf: T,
    rc: 'ENODEV',
    transport: 'none',
    failure: {check: 'legacy.revision', fn: 'vp_legacy_probe', rule: 'revision != VIRTIO_PCI_ABI_VERSION (0)'},
    bytes: [byte(T, 'PCI_REVISION_ID', 0x8, '0x1', 1)],
    messages: [`virtio-pci ${T}: virtio_pci: leaving for legacy driver`],
    fallbacks: ['modern.no-common'],
    side: 'device',
    fixNames: ['revision 1', 'revision 0'],
  },
  'fault-force-legacy-revision': {
    bdf: T,
    rc: '0',
    transport: 'modern',
    bytes: [byte(T, 'PCI_REVISION_ID', 0x8, '0x1', 1)],
    messages: ['virtio_pci: expected ABI version 0, got 1'],
    fallbacks: ['legacy.revision'],
    side: 'none',
    fixNames: ['modern', 'revision 1'],
  },
  'fault-notify-crosses-page': {
    bdf: M,
    rc: '0',
    transport: 'modern',
    bytes: [byte(M, 'cap@0x70.offset', 0x78, '0x3800', 4)],
    messages: [],
    fallbacks: [],
    side: 'none',
    fixNames: ['modern'],
  },
  'fault-resource-bar4-empty': {
    bdf: M,
    rc: 'ENODEV',
    transport: 'none',
    failure: {check: 'modern.no-common', fn: 'vp_modern_probe', rule: 'no common capability: leave the device to the legacy driver', message: `virtio-pci ${M}: virtio_pci: leaving for legacy driver`},
    bytes: [{what: 'pci_resource_len(4)', value: '0x0', source: `${M}/resource:5`}],
    messages: [`virtio-pci ${M}: virtio_pci: leaving for legacy driver`],
    fallbacks: [],
    laterFailures: ['legacy.device-id'],
    side: 'device',
    fixNames: ['COMMON_CFG', 'pci_resource_len(4) is 0'],
  },
  'fault-isr-len-zero': {
    bdf: M,
    rc: 'EINVAL',
    transport: 'none',
    failure: {check: 'map.len-le-start', fn: 'vp_modern_map_capability', rule: 'isr: length <= start', message: `virtio-pci ${M}: virtio_pci: bad capability len 0 (>0 expected)`},
    bytes: [byte(M, 'cap@0x50.length', 0x5c, '0x0', 4)],
    messages: [`virtio-pci ${M}: virtio_pci: bad capability len 0 (>0 expected)`, DD_61(M)],
    fallbacks: [],
    side: 'device',
    fixNames: ['ISR_CFG', '0 bytes'],
  },
}

const matchesByte = (b: Byte) => (r: ReadFact) =>
  r.what === b.what && r.value === b.value && (b.offset === undefined || r.offset === b.offset) && r.sources.includes(b.source)

const reports = new Map<string, TriageReport>()
for (const name of FAULT_CASES) reports.set(name, await triageCase(name))

describe('fault cases: every case has an expectation', () => {
  it('covers exactly the fault cases of the corpus', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...FAULT_CASES])
    expect(FAULT_CASES.length).toBeGreaterThanOrEqual(10)
  })
})

for (const name of FAULT_CASES) {
  const e = EXPECTED[name]!
  describe(name, () => {
    const t = () => reports.get(name)!

    it('outcome, messages and the failing rule on the decision path', () => {
      const o = t().device.predicted
      expect(t().device.bdf).toBe(e.bdf)
      expect(o.rc).toBe(e.rc)
      expect(o.transport).toBe(e.transport)
      expect(o.messages).toEqual(e.messages)
      if (e.failure) {
        expect(o.path.some((s) => s.result === 'fail' && s.fn === e.failure!.fn && s.rule === e.failure!.rule), `${e.failure.fn}: ${e.failure.rule}`).toBe(true)
      }
    })

    it('reads the mutated bytes, each tied to the config file bytes or resource line it came from', () => {
      const all = t().device.predicted.path.flatMap((s) => s.reads)
      for (const b of e.bytes) expect(all.some(matchesByte(b)), JSON.stringify(b)).toBe(true)
    })

    it('says there is no kernel log (a static dump) and no verdict', () => {
      expect(t().dmesg).toEqual({known: false, matched: [], saidNothing: false})
      expect(t().verdict.kind).toBe('undetermined')
    })

    it('names the failing check, its bytes and message, the fallbacks and the fix side', () => {
      const r = t()
      if (e.failure) {
        expect(r.failure).toMatchObject({check: e.failure.check, fn: e.failure.fn, rule: e.failure.rule})
        expect(r.failure!.message).toBe(e.failure.message)
        for (const b of e.bytes) expect(r.failure!.reads.some(matchesByte(b)), JSON.stringify(b)).toBe(true)
      } else {
        expect(r.failure).toBeUndefined()
      }
      expect(r.fallbacks.map((s) => s.check)).toEqual(e.fallbacks)
      expect(r.laterFailures.map((s) => s.check)).toEqual(e.laterFailures ?? [])
      expect(r.fix.side).toBe(e.side)
      for (const word of e.fixNames) expect(r.fix.sentence).toContain(word)
    })
  })
}

describe('real captures', () => {
  it('k6.1-pc-legacy-only: the legacy fallback, with the matching dmesg line and an agreeing verdict', async () => {
    const t = await triageCase('k6.1-pc-legacy-only', '0000:00:03.0')
    const o = t.device.predicted
    expect([o.rc, o.transport]).toEqual(['0', 'legacy'])
    expect(t.failure).toBeUndefined()
    expect(o.path.some((s) => s.result === 'fail' && s.fn === 'vp_modern_probe' && s.rule === 'no common capability: leave the device to the legacy driver')).toBe(true)
    expect(t.dmesg.known).toBe(true)
    expect(t.dmesg.matched).toEqual([{text: 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver', source: expect.stringMatching(/^dmesg\.txt:\d+$/)}])
    expect(t.verdict.kind).toBe('agree')
    // The capability list the kernel walked: MSI-X only, no vendor capability (disable-modern=on).
    expect(o.capabilities.filter((c) => c.lookup === 'common')).toEqual([])
    expect(t.fallbacks.map((s) => s.check)).toEqual(['modern.no-common'])
    expect(t.fix.side).toBe('none')
    expect(t.fix.sentence).toContain('no vendor-specific (0x09) capability')
  })

  it('k6.1-pc-ivshmem: a 1af4 device outside the virtio ids, declined silently, and the kernel said nothing', async () => {
    const t = await triageCase('k6.1-pc-ivshmem', '0000:00:02.0')
    const o = t.device.predicted
    expect([o.rc, o.transport, o.messages]).toEqual(['ENODEV', 'none', []])
    expect(o.path.some((s) => s.result === 'fail' && s.fn === 'vp_modern_probe' && s.rule === 'device id outside 0x1000..0x107f')).toBe(true)
    const idRead = o.path.flatMap((s) => s.reads).find((r) => r.what === 'PCI_VENDOR_ID/PCI_DEVICE_ID')
    expect(idRead?.value).toBe('0x11101af4')
    expect(idRead?.sources.every((s) => /^trace\.log\.gz:\d+$/.test(s))).toBe(true)
    expect(t.dmesg).toMatchObject({known: true, matched: [], saidNothing: true})
    // No virtio device in the guest, so no virtio status events at all: the trace cannot show that
    // nothing was registered, and -ENODEV is never printed.
    expect(t.verdict.kind).toBe('undetermined')
    expect(t.verdict.reason).toMatch(/^not observed: transport .*whether the probe returned 0/)
    expect(t.failure).toMatchObject({check: 'modern.device-id', fn: 'vp_modern_probe'})
    expect(t.failure!.message).toBeUndefined()
    expect(t.failure!.reads.map((r) => r.value)).toContain('0x11101af4')
    expect(t.laterFailures.map((s) => s.check)).toEqual(['legacy.device-id'])
    expect(t.fix.side).toBe('device')
  })
})
