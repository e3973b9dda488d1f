import {describe, expect, it} from 'vitest'
import {forceLegacyFromCmdline, forceLegacySetOnCmdline} from '../../src/model/kernel-cmdline.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {virtioTypeName} from '../../src/model/virtio-ids.js'
import {ConfigBuilder, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {P61} from './helpers.js'

describe('virtio_pci.force_legacy on the kernel command line', () => {
  it.each([
    ['console=ttyS0 virtio_pci.force_legacy=1', true],
    ['virtio_pci.force_legacy=Y', true],
    ['virtio-pci.force_legacy', true],
    ['virtio_pci.force_legacy=0', false],
    ['virtio_pci.force_legacy=1 virtio_pci.force_legacy=n', false],
    ['virtio_pci.force_legacyx=1 force_legacy=1', false],
    ['virtio_pci.force_legacy=yes', true],
    ['virtio_pci.force_legacy=on', true],
    ['virtio_pci.force_legacy=1 virtio_pci.force_legacy=bogus', true],
    ['virtio_pci.force_legacy=', false],
  ])('%s -> %s', (cmdline, expected) => {
    expect(forceLegacyFromCmdline(cmdline)).toBe(expected)
  })

  it('says whether the command line sets it at all (a rejected value does not)', () => {
    expect(forceLegacySetOnCmdline('console=ttyS0')).toBeUndefined()
    expect(forceLegacySetOnCmdline('virtio_pci.force_legacy=bogus')).toBeUndefined()
    expect(forceLegacySetOnCmdline('virtio_pci.force_legacy=0')).toBe(false)
  })
})

describe('virtio ids (include/uapi/linux/virtio_ids.h)', () => {
  it('names the ids Linux knows and marks the others', () => {
    expect(virtioTypeName(1)).toBe('net')
    expect(virtioTypeName(2)).toBe('block')
    expect(virtioTypeName(19)).toBe('vsock')
    expect(virtioTypeName(14)).toBe('unknown-14')
  })
})

describe('__pci_find_next_cap_ttl: 48 steps per call (drivers/pci/pci.c)', () => {
  it('a vendor capability 48 hops down a list of 47 others is still found', () => {
    const cfg = new ConfigBuilder().ids({device: 0x1041})
    const chain: number[] = []
    for (let at = 0x40; at < 0xfc; at += 4) {
      cfg.cap(at, 0x01)
      chain.push(at)
    }
    cfg.virtioCap(0xfc, {cfgType: 1, bar: 4, offset: 0, length: 0x1000}).chain(...chain, 0xfc)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(chain).toHaveLength(47)
    expect(out.capabilities.find((c) => c.lookup === 'common')).toMatchObject({offset: '0xfc', decision: 'chosen'})
  })

  it('header type 2 (CardBus) starts the list at 0x14', () => {
    const cardbus = qemuModern().set(0x0e, 1, 0x02).set(0x14, 1, 0x98)
    expect(predict(input(cardbus, MODERN_BARS), P61).rc).toBe('0')
  })

  it('pci_setup_device: an unknown header type makes the PCI core ignore the device (drivers/pci/probe.c)', () => {
    const out = predict(input(qemuModern().set(0x0e, 1, 0x05), MODERN_BARS), P61)
    expect(out).toMatchObject({driverMatched: false, transport: 'none', messages: []})
  })

  it('pci_setup_device: a class that does not fit the header type leaves the subsystem ids at 0', () => {
    const bridgeClass = qemuTransitional({subsystem: 2}).set(0x0a, 2, 0x0604)
    expect(predict(input(bridgeClass, TRANSITIONAL_BARS), P61).virtioDeviceId).toBe('0x0')
    const netClass = qemuTransitional({subsystem: 2}).set(0x0a, 2, 0x0200)
    expect(predict(input(netClass, TRANSITIONAL_BARS), P61).virtioDeviceId).toBe('0x2')
  })

  it('the multi-function bit of the header type is masked off', () => {
    expect(predict(input(qemuModern().set(0x0e, 1, 0x80), MODERN_BARS), P61).rc).toBe('0')
  })
})

describe('virtio_pci.force_legacy: kstrtobool at each character it tests', () => {
  it.each([
    ['y', true], ['Y', true], ['t', true], ['T', true], ['1', true], ['true', true],
    ['n', false], ['N', false], ['f', false], ['F', false], ['0', false], ['false', false],
    ['on', true], ['ON', true], ['oN', true], ['of', false], ['off', false], ['OFF', false],
    ['o', undefined], ['ox', undefined], ['2', undefined], ['x', undefined], ['', undefined],
  ] as const)('force_legacy=%s -> %s', (value, expected) => {
    expect(forceLegacySetOnCmdline(`virtio_pci.force_legacy=${value}`)).toBe(expected)
  })

  it('- and _ are alike in the parameter name; the module name must be virtio_pci', () => {
    for (const name of ['virtio_pci.force_legacy', 'virtio-pci.force-legacy', 'virtio_pci.force-legacy', 'virtio-pci.force_legacy']) {
      expect(forceLegacyFromCmdline(`quiet ${name}=1`)).toBe(true)
    }
    expect(forceLegacySetOnCmdline('virtiopci.force_legacy=1')).toBeUndefined()
    expect(forceLegacySetOnCmdline('xvirtio_pci.force_legacy=1')).toBeUndefined()
    expect(forceLegacySetOnCmdline('virtio_pci.force_legacy=1\tvirtio_pci.force_legacy=0')).toBe(false)
  })

  it('a rejected value keeps what an earlier word set, and the last accepted one wins', () => {
    expect(forceLegacySetOnCmdline('virtio_pci.force_legacy=0 virtio_pci.force_legacy=bogus')).toBe(false)
    expect(forceLegacySetOnCmdline('virtio_pci.force_legacy=0 virtio_pci.force_legacy')).toBe(true)
    expect(forceLegacyFromCmdline('')).toBe(false)
  })
})
