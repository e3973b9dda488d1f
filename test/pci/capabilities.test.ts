/** The plain capability walk every layer but the kernel-faithful model uses. */
import {describe, expect, it} from 'vitest'
import {CapabilityWalk} from '../../src/pci/capabilities.js'

/** A config space of known bytes only where given. */
const bytes = (known: Record<number, number>) => (offset: number) => known[offset]

const walk = (known: Record<number, number>, opts = {}) => {
  const w = new CapabilityWalk(bytes(known), opts)
  return {entries: [...w], end: w.end, detail: w.endDetail}
}

describe('CapabilityWalk', () => {
  it('follows next pointers from 0x34, masking the low two bits, and ends at 0', () => {
    expect(walk({0x34: 0x42, 0x40: 0x09, 0x41: 0x51, 0x50: 0x11, 0x51: 0x00})).toEqual({entries: [{offset: 0x40, id: 0x09}, {offset: 0x50, id: 0x11}], end: 'end', detail: undefined})
  })
  it('stops at the first position reached twice', () => {
    expect(walk({0x34: 0x40, 0x40: 0x09, 0x41: 0x50, 0x50: 0x09, 0x51: 0x40})).toMatchObject({entries: [{offset: 0x40}, {offset: 0x50}], end: 'cycle', detail: '0x40 is reached twice'})
  })
  it('stops at an unknown byte, keeping the entry whose id is unknown', () => {
    expect(walk({0x34: 0x40})).toMatchObject({entries: [{offset: 0x40}], end: 'unknown'})
    expect(walk({0x34: 0x40, 0x40: 0x09})).toMatchObject({entries: [{offset: 0x40, id: 0x09}], end: 'unknown'})
    expect(walk({})).toMatchObject({entries: [], end: 'unknown', detail: 'capability pointer (0x34) unknown'})
  })
  it('stops at a pointer into the standard header', () => {
    expect(walk({0x34: 0x40, 0x40: 0x09, 0x41: 0x20})).toMatchObject({entries: [{offset: 0x40}], end: 'bad-pointer'})
  })
  it('with requireCapList, walks only when PCI_STATUS has the capability-list bit', () => {
    expect(walk({0x06: 0x00, 0x34: 0x40, 0x40: 0x09, 0x41: 0}, {requireCapList: true})).toMatchObject({entries: [], end: 'no-list'})
    expect(walk({0x06: 0x10, 0x34: 0x40, 0x40: 0x09, 0x41: 0}, {requireCapList: true})).toMatchObject({entries: [{offset: 0x40}], end: 'end'})
  })
  it('with stopAtInvalidId, ends at id 0xff as the PCI core does', () => {
    expect(walk({0x34: 0x40, 0x40: 0xff, 0x41: 0x50, 0x50: 0x09, 0x51: 0})).toMatchObject({entries: [{offset: 0x40, id: 0xff}, {offset: 0x50}], end: 'end'})
    expect(walk({0x34: 0x40, 0x40: 0xff, 0x41: 0x50}, {stopAtInvalidId: true})).toMatchObject({entries: [], end: 'invalid-id'})
  })
  it('a reader that throws stops the walk after the entries already given', () => {
    const seen: number[] = []
    const reader = (o: number) => {
      if (o === 0x41) throw new Error('unknown')
      return {0x34: 0x40, 0x40: 0x09}[o]
    }
    expect(() => {
      for (const c of new CapabilityWalk(reader)) seen.push(c.offset)
    }).toThrow('unknown')
    expect(seen).toEqual([0x40])
  })
})
