/**
 * Which lines count as virtio-pci probe messages, on the lines the model itself predicts for devices
 * built with test/model/builders.ts (multi-digit numbers as the kernel prints them with %u / %d):
 * every predicted line must be one, or the verdict could never agree on it.
 */
import {describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {isProbeMessage, isUnattributedProbeMessage} from '../../src/outcome/probe-messages.js'
import {BDF, ConfigBuilder, LEGACY_BAR0, MODERN_BARS, input, qemuModern} from '../model/builders.js'
import {P510, P612} from '../model/helpers.js'

const commonAt = (offset: number, length = 0x1000) => qemuModern().virtioCap(0x40, {cfgType: 1, bar: 4, offset, length})

describe('probe messages: the lines the model predicts', () => {
  it('a misaligned common structure (offset 4098): the map line and the driver core line, both of this function only', () => {
    const {messages} = predict(input(commonAt(0x1002), MODERN_BARS), P612)
    expect(messages).toStrictEqual([`virtio-pci ${BDF}: virtio_pci: offset 4098 not aligned to 4`, `virtio-pci ${BDF}: probe with driver virtio-pci failed with error -22`])
    for (const line of messages) {
      expect(isProbeMessage(line, BDF)).toBe(true)
      expect(isProbeMessage(line, '0000:00:13.0')).toBe(false)
      expect(isUnattributedProbeMessage(line)).toBe(false)
    }
  })

  it('a structure past the end of its BAR (56@16368): a probe message', () => {
    const {messages} = predict(input(commonAt(0x3ff0), MODERN_BARS), P612)
    expect(messages[0]).toBe(`virtio-pci ${BDF}: virtio_pci: map virtio 56@16368 out of range on bar 4 length 16384`)
    expect(isProbeMessage(messages[0]!, BDF)).toBe(true)
  })

  it('revision 16 on 5.10\'s legacy probe: "expected ABI version 0, got 16" is the unattributed line', () => {
    const legacyOnly = new ConfigBuilder().ids({device: 0x1000, revision: 16, capList: false})
    const {messages} = predict(input(legacyOnly, {0: LEGACY_BAR0}), P510)
    expect(messages).toStrictEqual([`virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`, 'virtio_pci: expected ABI version 0, got 16'])
    expect(isUnattributedProbeMessage(messages[1]!)).toBe(true)
    expect(isProbeMessage(messages[1]!, BDF)).toBe(false)
    expect(isUnattributedProbeMessage('virtio_pci: expected ABI version 0, got ')).toBe(false)
    expect(isUnattributedProbeMessage('virtio_pci: expected ABI version , got 16')).toBe(false)
  })

  it('numbers are digits: other text in their place is not a probe line', () => {
    expect(isProbeMessage(`virtio-pci ${BDF}: virtio_pci: offset x not aligned to 4`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci ${BDF}: virtio_pci: offset  not aligned to 4`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci ${BDF}: virtio_pci: map virtio x@16368 out of range on bar 4 length 16384`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci ${BDF}: virtio_pci: map virtio 56@x out of range on bar 4 length 16384`, BDF)).toBe(false)
    expect(isProbeMessage(`virtio-pci ${BDF}: BAR x: can't reserve [io  0xc000-0xc03f]`, BDF)).toBe(false)
  })
})
