/**
 * The spec lints at their edges (virtio 1.x "PCI Device IDs", "Virtio Structure PCI Capabilities"):
 * each comparison with the input at value - 1 / value / value + 1, and each lint reported in full
 * (code, severity, capability, the rule, what was found, what Linux does), as `replay` shows it.
 */
import {describe, expect, it} from 'vitest'
import {specLints} from '../../src/model/spec-lints.js'
import {ConfigBuilder, LEGACY_BAR0, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'

const lints = (cfg: ConfigBuilder, bars: Parameters<typeof input>[1] = MODERN_BARS) => specLints(input(cfg, bars))
const codes = (cfg: ConfigBuilder, bars: Parameters<typeof input>[1] = MODERN_BARS) => lints(cfg, bars).map((l) => l.code)

describe('id lints: only virtio devices (vendor 0x1af4, id 0x1000..0x107f) are judged', () => {
  it.each([0x1af3, 0x1af5])('vendor 0x%s: no id lint even with revision 0 and subsystem 1', (vendor) => {
    expect(codes(qemuModern({revision: 0, subsystem: 1}).set(0x00, 2, vendor))).toEqual([])
  })

  it.each([0x0fff, 0x1080])('device id 0x%s is not a virtio id: no id lint', (device) => {
    expect(codes(qemuModern({device, revision: 0, subsystem: 1}))).toEqual([])
  })

  it('0x107f is the last modern id, 0x1040 the first: judged as non-transitional', () => {
    expect(codes(qemuModern({device: 0x107f, revision: 0, subsystem: 0x1100}))).toEqual(['non-transitional-revision'])
    expect(codes(qemuModern({device: 0x1040, revision: 0, subsystem: 0x1100}))).toEqual(['non-transitional-revision'])
  })

  it('0x103f is the last transitional id and 0x1000 the first: judged as transitional', () => {
    expect(codes(qemuTransitional({device: 0x103f, revision: 1}), TRANSITIONAL_BARS)).toEqual(['transitional-revision', 'transitional-device-id'])
    expect(codes(qemuTransitional({device: 0x1000, revision: 1}), TRANSITIONAL_BARS)).toEqual(['transitional-revision'])
  })
})

describe('non-transitional ids: revision >= 1, subsystem device id >= 0x40', () => {
  it('revision 0 is reported in full; revision 1 is fine', () => {
    expect(lints(qemuModern({device: 0x1041, revision: 0}))).toEqual([
      {code: 'non-transitional-revision', severity: 'warning', rule: 'non-transitional devices SHOULD have a PCI Revision ID of 1 or higher', detail: 'device 0x1041 revision 0', linux: 'not checked'},
    ])
    expect(codes(qemuModern({revision: 1}))).toEqual([])
  })

  it('subsystem 0x3f is below 0x40 (reported in full); 0x40 is fine', () => {
    expect(lints(qemuModern({subsystem: 0x3f}))).toEqual([
      {
        code: 'non-transitional-subsystem',
        severity: 'warning',
        rule: 'non-transitional devices SHOULD have a PCI Subsystem Device ID of 0x40 or higher',
        detail: 'subsystem device id 0x3f',
        linux: 'not checked: the virtio id comes from the device id',
      },
    ])
    expect(codes(qemuModern({subsystem: 0x40}))).toEqual([])
  })

  it('an unknown subsystem id skips only that lint', () => {
    expect(codes(qemuModern({revision: 0}).unknown(0x2e, 0x2f))).toEqual(['non-transitional-revision', 'not-evaluated'])
  })
})

describe('transitional ids: revision 0, an id of the spec table, the matching subsystem id', () => {
  it('revision 1 is reported in full', () => {
    expect(lints(qemuTransitional({revision: 1}), TRANSITIONAL_BARS)).toEqual([
      {
        code: 'transitional-revision',
        severity: 'error',
        rule: 'transitional devices MUST have a PCI Revision ID of 0 (and drivers MUST match any revision)',
        detail: 'device 0x1000 revision 1',
        linux: 'the modern probe ignores the revision; the legacy probe rejects any revision but 0',
      },
    ])
  })

  it('an id outside the table is reported in full, and its subsystem id is not judged', () => {
    expect(lints(qemuTransitional({device: 0x1006, subsystem: 0x77}), TRANSITIONAL_BARS)).toEqual([
      {
        code: 'transitional-device-id',
        severity: 'warning',
        rule: 'transitional devices use the device ids of the spec table (0x1000..0x1005, 0x1009)',
        detail: 'device 0x1006 is not in the table',
        linux: 'accepted: any 0x1000..0x103f, type taken from the subsystem device id',
      },
    ])
  })

  it.each([
    [0x1000, 1],
    [0x1001, 2],
    [0x1002, 5],
    [0x1003, 3],
    [0x1004, 8],
    [0x1005, 4],
    [0x1009, 9],
  ])('0x%s with subsystem %i matches the table; one more does not', (device, virtioId) => {
    expect(codes(qemuTransitional({device, subsystem: virtioId}), TRANSITIONAL_BARS)).toEqual([])
    expect(lints(qemuTransitional({device, subsystem: virtioId + 1}), TRANSITIONAL_BARS)).toEqual([
      {
        code: 'transitional-subsystem',
        severity: 'error',
        rule: 'transitional devices MUST have the PCI Subsystem Device ID matching the Virtio Device ID',
        detail: `device 0x${device.toString(16)} means virtio id ${virtioId}, subsystem device id is ${virtioId + 1}`,
        linux: 'the subsystem device id wins: Linux takes the type from it',
      },
    ])
  })

  it('BAR 0: I/O with a length is fine; memory, or empty, is reported in full', () => {
    expect(codes(qemuTransitional(), TRANSITIONAL_BARS)).toEqual([])
    const rule = 'transitional devices MUST expose the legacy interface in I/O space in BAR0'
    const linux = 'not checked: the legacy probe maps BAR 0 whatever it is (and fails only if it cannot map it)'
    expect(lints(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'mem', len: 0x1000, start: 0xfe000000}})).toEqual([
      {code: 'legacy-bar0-not-io', severity: 'error', rule, detail: 'BAR 0 is mem', linux},
    ])
    expect(lints(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'io', len: 0, start: 0}})).toEqual([
      {code: 'legacy-bar0-not-io', severity: 'error', rule, detail: 'BAR 0 is empty', linux},
    ])
  })

  it('BAR 0 whose type or length is unknown is not judged', () => {
    expect(codes(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {len: 0x40, start: 0xc000}})).toEqual([])
    expect(codes(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'mem', start: 0xc000}})).toEqual([])
    expect(codes(qemuTransitional(), {...TRANSITIONAL_BARS, 0: LEGACY_BAR0})).toEqual([])
  })
})

describe('capability lints', () => {
  it('cap_len: 15 < 16 for common; 16 is enough (reported in full)', () => {
    expect(lints(qemuModern().set(0x42, 1, 15))).toEqual([
      {
        code: 'cap-len-short',
        severity: 'error',
        rule: 'cap_len covers the whole capability structure (at least 16 bytes for cfg_type 1)',
        capOffset: '0x40',
        detail: 'cap_len 15',
        linux: 'not checked: Linux never reads cap_len (it reads offset, length and the multiplier regardless)',
      },
    ])
    expect(codes(qemuModern().set(0x42, 1, 16))).toEqual([])
  })

  it('cap_len: 19 < 20 for notify and PCI_CFG; 20 is enough', () => {
    expect(codes(qemuModern().set(0x72, 1, 19))).toEqual(['cap-len-short'])
    expect(codes(qemuModern().set(0x72, 1, 20))).toEqual([])
    expect(lints(qemuModern().set(0x86, 1, 19))[0]).toMatchObject({code: 'cap-len-short', capOffset: '0x84', rule: 'cap_len covers the whole capability structure (at least 20 bytes for cfg_type 5)'})
  })

  it('cap_len: 23 < 24 for shared memory (cfg_type 8); 24 is enough', () => {
    const shm = (capLen: number) => qemuModern().virtioCap(0xa8, {cfgType: 8, bar: 4, offset: 0, length: 0x100, capLen}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(lints(shm(23))).toEqual([expect.objectContaining({code: 'cap-len-short', capOffset: '0xa8', detail: 'cap_len 23'})])
    expect(codes(shm(24))).toEqual([])
  })

  it('a reserved cfg_type is reported in full, and nothing else about that capability', () => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 10, bar: 9, offset: 0, length: 0x100, capLen: 3}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(lints(cfg)).toEqual([
      {code: 'reserved-cfg-type', severity: 'info', rule: 'the driver MUST ignore a vendor capability with a reserved cfg_type', capOffset: '0xa8', detail: 'cfg_type 10', linux: 'ignored implicitly (never matches a lookup)'},
    ])
  })

  it.each([1, 2, 3, 4, 5, 8, 9])('cfg_type %i is defined: not reported as reserved', (cfgType) => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType, bar: 4, offset: 0, length: 0x10, capLen: 24}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(codes(cfg)).not.toContain('reserved-cfg-type')
  })

  it('bar 6 is reserved (reported in full), bar 5 is not; a vendor-data cap (cfg_type 9) may use any bar value', () => {
    const on = (bar: number, cfgType = 1) => qemuModern().virtioCap(0xa8, {cfgType, bar, offset: 0, length: 0x100}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(lints(on(6))).toEqual([{code: 'reserved-bar', severity: 'warning', rule: 'bar values above 5 are reserved', capOffset: '0xa8', detail: 'bar 6', linux: 'capability skipped'}])
    expect(codes(on(5), {...MODERN_BARS, 5: {type: 'mem', len: 0x1000, start: 0xfd000000}})).toEqual([])
    expect(codes(on(6, 9))).toEqual([])
  })

  it('notify_off_multiplier: 0, 2, 4 are fine; 1, 3, 6 are reported (in full)', () => {
    for (const mult of [0, 2, 4]) expect(codes(qemuModern({mult}))).toEqual([])
    for (const mult of [1, 3, 6]) expect(codes(qemuModern({mult}))).toEqual(['notify-multiplier'])
    expect(lints(qemuModern({mult: 3}))).toEqual([
      {
        code: 'notify-multiplier',
        severity: 'error',
        rule: 'notify_off_multiplier MUST be 0 or an even power of 2',
        capOffset: '0x70',
        detail: 'notify_off_multiplier 3',
        linux: 'not checked: used as is to compute queue notify addresses',
      },
    ])
  })

  it('a structure on an empty BAR is reported in full; its extent is then not judged', () => {
    const cfg = qemuModern().virtioCap(0xa8, {cfgType: 4, bar: 2, offset: 0x100000, length: 0x100000}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(lints(cfg)).toEqual([
      {
        code: 'cap-on-empty-bar',
        severity: 'warning',
        rule: 'the bar field names a BAR of the function',
        capOffset: '0xa8',
        detail: 'BAR 2 has no length (unimplemented, or the upper half of a 64-bit BAR)',
        linux: 'capability skipped; a later one of the same type may be used',
      },
    ])
  })

  it('offset + length = BAR length fits; one more byte is reported in full', () => {
    const at = (offset: number, length: number) => qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset, length})
    expect(codes(at(0x3000, 0x1000))).toEqual([])
    expect(lints(at(0x3000, 0x1001))).toEqual([
      {
        code: 'structure-exceeds-bar',
        severity: 'error',
        rule: 'the structure (offset, length) lies within its BAR',
        capOffset: '0x60',
        detail: '0x3000 + 0x1001 > BAR 4 length 0x4000',
        linux: 'only offset + minlen is checked; the mapping is clipped silently at the BAR end',
      },
    ])
  })

  it('the extent lint covers cfg_types 1..4 only, and a BAR whose length is unknown is not judged', () => {
    const big = (cfgType: number) => qemuModern().virtioCap(0xa8, {cfgType, bar: 4, offset: 0x3000, length: 0x2000, capLen: 24}).chain(0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(codes(big(4))).toEqual(['structure-exceeds-bar'])
    expect(codes(big(5))).toEqual([])
    expect(codes(qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x3000, length: 0x2000}), {1: MODERN_BARS[1], 4: {type: 'mem', start: 0xfe000000}})).toEqual([])
  })
})

describe('whole-device lints', () => {
  it('no PCI_CFG capability and no common one are reported in full', () => {
    expect(lints(qemuModern().set(0x87, 1, 9))).toEqual([
      {
        code: 'no-pci-cfg-cap',
        severity: 'error',
        rule: 'the device MUST present at least one VIRTIO_PCI_CAP_PCI_CFG capability',
        detail: 'modern capabilities present, none of cfg_type 5',
        linux: 'not checked: Linux never uses the PCI configuration access capability',
      },
    ])
    expect(lints(qemuModern().set(0x43, 1, 9)).filter((l) => l.code === 'no-common-cap')).toEqual([
      {
        code: 'no-common-cap',
        severity: 'error',
        rule: 'the device MUST present at least one common configuration capability',
        detail: 'isr or notify capabilities present without a common one',
        linux: 'not an error: "leaving for legacy driver" and the legacy probe is tried',
      },
    ])
  })

  it('a device is modern when it has any of common, isr or notify', () => {
    // Only a notify cap (isr and common retyped to vendor data, 9): still modern, so both lints.
    const notifyOnly = qemuModern().set(0x43, 1, 9).set(0x53, 1, 9).set(0x87, 1, 9)
    expect(codes(notifyOnly)).toEqual(['no-pci-cfg-cap', 'no-common-cap'])
    const isrOnly = qemuModern().set(0x43, 1, 9).set(0x73, 1, 9).set(0x87, 1, 9)
    expect(codes(isrOnly)).toEqual(['no-pci-cfg-cap', 'no-common-cap'])
    const commonOnly = qemuModern().set(0x53, 1, 9).set(0x73, 1, 9).set(0x87, 1, 9)
    expect(codes(commonOnly)).toEqual(['no-pci-cfg-cap'])
    // No modern capability at all (a legacy-only device): neither.
    expect(codes(new ConfigBuilder().ids({device: 0x1000, revision: 0, subsystem: 1, capList: false}), TRANSITIONAL_BARS)).toEqual([])
  })

  it('not evaluated: the offsets in order, once each, reported in full', () => {
    expect(lints(qemuModern({mult: 3}).unknown(0x80, 0x81).markInferred(0x72))).toEqual([
      {code: 'not-evaluated', severity: 'info', rule: 'lints need the bytes they check', detail: 'some lints were not evaluated: config bytes unknown or only inferred at 0x72, 0x80, 0x81', linux: 'n/a'},
    ])
  })

  it('an inferred byte counts as unknown for every width it is read with', () => {
    expect(lints(qemuModern().markInferred(0x49))).toEqual([expect.objectContaining({code: 'not-evaluated', detail: 'some lints were not evaluated: config bytes unknown or only inferred at 0x48, 0x49, 0x4a, 0x4b'})])
  })

  it('the capability list is walked only with PCI_STATUS_CAP_LIST set', () => {
    expect(codes(qemuModern({mult: 3}).set(0x06, 2, 0))).toEqual([])
  })
})

describe('the walk the lints take, and what they could not evaluate', () => {
  it('a capability id 0xff ends the list, as in the kernel: the vendor capabilities behind it are not judged', () => {
    expect(codes(qemuModern({mult: 3}))).toEqual(['notify-multiplier'])
    expect(codes(qemuModern({mult: 3}).set(0x98, 1, 0xff))).toEqual([])
  })

  it('the offsets not evaluated are listed in ascending order, whichever lint met them first', () => {
    // The capability walk meets BAR byte 0x44 before the id lints meet the subsystem id at 0x2e.
    const out = lints(qemuModern({revision: 0}).unknown(0x44, 0x2e, 0x2f))
    expect(out.at(-1)).toStrictEqual({code: 'not-evaluated', severity: 'info', rule: 'lints need the bytes they check', detail: 'some lints were not evaluated: config bytes unknown or only inferred at 0x2e, 0x2f, 0x44', linux: 'n/a'})
  })
})
