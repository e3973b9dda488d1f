import {describe, expect, it} from 'vitest'
import {kernelRegistration} from '../../src/evidence/registration.js'
import {observe} from '../../src/outcome/observed.js'
import {isProbeMessage} from '../../src/outcome/probe-messages.js'
import {BDF, LINUX_OK, SEABIOS, access, device, kmsg, status} from './builders.js'

const LOG = {kernelLog: true}

describe('observe: what the traced kernel did', () => {
  it('the kernel registered the device (reset, then ACKNOWLEDGE alone) and drove it through the modern regions', () => {
    const o = observe(device({status: LINUX_OK, accesses: [access(100, 'common'), access(105, 'notify')]}), LOG)
    expect(o).toMatchObject({transport: 'modern', acknowledged: true, driverOk: true, messages: []})
  })

  it('legacy: the kernel used the `virtio-pci` I/O BAR', () => {
    const o = observe(device({status: LINUX_OK, accesses: [access(100, 'legacy'), access(101, 'msix-table')]}), LOG)
    expect(o.transport).toBe('legacy')
  })

  it('firmware driving the device is not the kernel: SeaBIOS alone leaves it unregistered, transport none', () => {
    const o = observe(device({status: SEABIOS, accesses: [access(10, 'common'), access(12, 'notify')]}), LOG)
    expect(o).toMatchObject({transport: 'none', acknowledged: false, driverOk: false})
  })

  it('firmware then kernel: only the accesses from the kernel reset on decide the transport', () => {
    const o = observe(device({status: [...SEABIOS, ...LINUX_OK], accesses: [access(10, 'legacy'), access(100, 'common')]}), LOG)
    expect(o).toMatchObject({transport: 'modern', acknowledged: true})
    expect(kernelRegistration([...SEABIOS, ...LINUX_OK])).toBe(4)
  })

  it('bus-master clears (PCI command writes) are not driver status writes', () => {
    const st = [status(50, 0, 'command-write'), status(51, 1), status(52, 0, 'command-write')]
    expect(kernelRegistration(st)).toBe(-1)
    expect(kernelRegistration([status(50, 0, 'qemu'), status(51, 1, 'qemu')])).toBe(0)
  })

  it('no memory events traced: ACKNOWLEDGE known, transport unknown', () => {
    const o = observe(device({status: LINUX_OK}), LOG)
    expect(o).toMatchObject({transport: 'unknown', acknowledged: true})
    expect(o.transportEvidence).toContain('no region accesses')
  })

  it('no virtio events at all for the device: unknown unless the trace had status events for others', () => {
    expect(observe(device({}), LOG)).toMatchObject({transport: 'unknown', acknowledgedKnown: false})
    expect(observe(device({}), {...LOG, statusTraced: true})).toMatchObject({transport: 'none', acknowledged: false})
    expect(observe(device({}), {...LOG, statusTraced: true}).acknowledgedKnown).toBeUndefined()
  })

  it('a static dump: nothing observed', () => {
    expect(observe(device({traced: false}), {kernelLog: false})).toMatchObject({transport: 'unknown', messagesKnown: false, acknowledgedKnown: false})
  })

  it('keeps only the probe lines of this device; the ABI printk is kept apart; "enabling device" is ignored', () => {
    const dev = device({
      status: LINUX_OK,
      messages: [
        `virtio-pci ${BDF}: enabling device (0000 -> 0003)`,
        `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`,
        `virtio_blk virtio1: [vda] 2048 512-byte logical blocks`,
        `virtio-pci 0000:00:04.0: virtio_pci: leaving for legacy driver`,
      ],
    })
    const o = observe(dev, {
      kernelLog: true,
      otherMessages: [kmsg('virtio_pci: expected ABI version 0, got 1'), kmsg(`virtio-pci: probe of ${BDF} failed with error -22`), kmsg('ACPI: \\_SB_.LNKC: Enabled at IRQ 11')],
    })
    expect(o.messages).toEqual([`virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`, `virtio-pci: probe of ${BDF} failed with error -22`])
    expect(o.unattributedMessages).toEqual(['virtio_pci: expected ABI version 0, got 1'])
  })
})

describe('probe messages (which dmesg lines count)', () => {
  it.each([
    [`virtio-pci ${BDF}: virtio_pci: missing capabilities 64/80/0`, true],
    [`virtio-pci ${BDF}: virtio_pci: bad capability len 55 (>=56 expected)`, true],
    [`virtio-pci ${BDF}: virtio_pci: bar unexpectedly changed to 3`, true],
    [`virtio-pci ${BDF}: virtio_pci: map wrap-around 4+4294967294`, true],
    [`virtio-pci ${BDF}: virtio_pci: offset 2 not aligned to 4`, true],
    [`virtio-pci ${BDF}: virtio_pci: map virtio 56@16352 out of range on bar 4 length 16384`, true],
    [`virtio-pci ${BDF}: virtio_pci: unable to map virtio 60@0 on bar 4`, true],
    [`virtio-pci ${BDF}: Failed to enable 64-bit or 32-bit DMA.  Trying to continue, but this might not work.`, true],
    [`virtio-pci ${BDF}: BAR 0: can't reserve [io  0xc000-0xc03f]`, true],
    [`virtio-pci ${BDF}: probe with driver virtio-pci failed with error -22`, true],
    [`virtio-pci: probe of ${BDF} failed with error -5`, true],
    [`virtio-pci ${BDF}: enabling device (0000 -> 0003)`, false],
    [`virtio-pci ${BDF}: bad queue size 3`, false],
    [`pci ${BDF}: virtio_pci: leaving for legacy driver`, false],
  ])('%s -> %s', (text, counted) => {
    expect(isProbeMessage(text, BDF)).toBe(counted)
  })
})
