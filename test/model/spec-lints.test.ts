import {describe, expect, it} from 'vitest'
import {specLints} from '../../src/model/spec-lints.js'
import {ConfigBuilder, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'

const codes = (cfg: ConfigBuilder, bars: Parameters<typeof input>[1]) => specLints(input(cfg, bars)).map((l) => l.code)

describe('spec lints (virtio 1.x "Virtio Structure PCI Capabilities", "PCI Device IDs")', () => {
  it('a QEMU modern device breaks none of them', () => {
    expect(codes(qemuModern(), MODERN_BARS)).toEqual([])
    expect(codes(qemuTransitional(), TRANSITIONAL_BARS)).toEqual([])
  })

  it('cap_len below the structure size (Linux never reads cap_len)', () => {
    const lints = specLints(input(qemuModern().set(0x72, 1, 16), MODERN_BARS))
    expect(lints).toEqual([expect.objectContaining({code: 'cap-len-short', capOffset: '0x70', detail: 'cap_len 16', severity: 'error'})])
  })

  it('notify_off_multiplier neither 0 nor an even power of 2', () => {
    expect(codes(qemuModern({mult: 3}), MODERN_BARS)).toEqual(['notify-multiplier'])
    expect(codes(qemuModern({mult: 1}), MODERN_BARS)).toEqual(['notify-multiplier'])
    expect(codes(qemuModern({mult: 0}), MODERN_BARS)).toEqual([])
    expect(codes(qemuModern({mult: 0x1000}), MODERN_BARS)).toEqual([])
  })

  it('no VIRTIO_PCI_CAP_PCI_CFG capability', () => {
    expect(codes(qemuModern().set(0x87, 1, 9), MODERN_BARS)).toEqual(['no-pci-cfg-cap'])
  })

  it('isr and notify without a common capability', () => {
    expect(codes(qemuModern().set(0x43, 1, 10), MODERN_BARS)).toEqual(['reserved-cfg-type', 'no-common-cap'])
  })

  it('a structure running past the end of its BAR (Linux clips silently)', () => {
    const cfg = qemuModern().virtioCap(0x60, {cfgType: 4, bar: 4, offset: 0x3800, length: 0x1000})
    expect(codes(cfg, MODERN_BARS)).toEqual(['structure-exceeds-bar'])
  })

  it('a capability on an empty BAR, and one with a reserved BAR value', () => {
    const cfg = qemuModern()
      .virtioCap(0xa8, {cfgType: 1, bar: 5, offset: 0, length: 0x1000})
      .virtioCap(0xb8, {cfgType: 1, bar: 9, offset: 0, length: 0x1000})
      .chain(0xb8, 0xa8, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
    expect(codes(cfg, MODERN_BARS)).toEqual(['reserved-bar', 'cap-on-empty-bar'])
  })

  it('ids: non-transitional revision 0 and subsystem id below 0x40', () => {
    expect(codes(qemuModern({revision: 0, subsystem: 0x1}), MODERN_BARS)).toEqual(['non-transitional-revision', 'non-transitional-subsystem'])
  })

  it('ids: transitional revision, id outside the spec table, subsystem not matching the table', () => {
    expect(codes(qemuTransitional({revision: 1}), TRANSITIONAL_BARS)).toEqual(['transitional-revision'])
    expect(codes(qemuTransitional({device: 0x1010, subsystem: 1}), TRANSITIONAL_BARS)).toEqual(['transitional-device-id'])
    expect(codes(qemuTransitional({device: 0x1001, subsystem: 1}), TRANSITIONAL_BARS)).toEqual(['transitional-subsystem'])
  })

  it('a transitional device whose BAR0 is not I/O', () => {
    expect(codes(qemuTransitional(), {...TRANSITIONAL_BARS, 0: {type: 'mem', len: 0x1000, start: 0xfe000000}})).toEqual(['legacy-bar0-not-io'])
  })

  it('unknown or inferred bytes: the lint is not evaluated and the offsets are listed', () => {
    const lints = specLints(input(qemuModern({mult: 3}).unknown(0x80).markInferred(0x72), MODERN_BARS))
    expect(lints.map((l) => l.code)).toEqual(['not-evaluated'])
    expect(lints[0]!.detail).toContain('0x72')
    expect(lints[0]!.detail).toContain('0x80')
  })
})
