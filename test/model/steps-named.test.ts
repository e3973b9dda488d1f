/**
 * Survivors of `npm run mutation` in the steps' kernel names and typed facts: the function and file
 * a pci_setup_device step names, the virtio id step of an unknown subsystem id, a step's absent
 * detail and source (no key at all), and the per-queue notify map of setup_vq (its steps name the
 * queue, its failed check's facts carry it; the probe's own maps carry no queue key).
 */
import {describe, expect, it} from 'vitest'
import {ProbeRecorder} from '../../src/model/recorder.js'
import {setupVqs} from '../../src/model/setup-vq.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {MODERN_BAR4, MODERN_BARS, MSIX_BAR1, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {P61} from './helpers.js'

describe('pci_setup_device steps (drivers/pci/probe.c)', () => {
  it('the cached fields, the revision and the subsystem id are read in pci_setup_device, drivers/pci/probe.c', () => {
    const out = predict(input(qemuTransitional(), TRANSITIONAL_BARS, true), P61)
    const setup = out.path.filter((s) => s.fn === 'pci_setup_device')
    expect(setup.map((s) => s.rule)).toEqual(['vendor, device and header type cached at enumeration', 'revision cached at enumeration (low byte of PCI_CLASS_REVISION)', 'subsystem device id (PCI_SUBSYSTEM_ID)'])
    for (const s of setup) expect(s.kernelSource).toBe('drivers/pci/probe.c')
  })

  it('an unknown subsystem id: a pci_setup_device step in probe.c, and the virtio id step says unknown', () => {
    const out = predict(input(qemuTransitional().unknown(0x2e, 0x2f), TRANSITIONAL_BARS), P61)
    expect(out.virtioDeviceIdUnknownOffsets).toEqual(['0x2e', '0x2f'])
    const unknown = out.path.find((s) => s.rule === 'subsystem device id')!
    expect(unknown).toMatchObject({fn: 'pci_setup_device', kernelSource: 'drivers/pci/probe.c', result: 'info'})
    expect(out.path.find((s) => s.rule.startsWith('device id < 0x1040'))!.detail).toBe('unknown')
    const legacy = predict(input(qemuTransitional().unknown(0x2e, 0x2f), TRANSITIONAL_BARS, true), P61)
    expect(legacy.path.find((s) => s.rule === 'virtio id = subsystem device id')!.detail).toBe('unknown')
  })
})

describe('ProbeRecorder.step: absent detail and source leave no key', () => {
  it('no detail, no kernelSource properties', () => {
    const rec = new ProbeRecorder(input(qemuModern(), MODERN_BARS))
    rec.step('f', 'rule', 'pass')
    expect(rec.path[0]).not.toHaveProperty('detail')
    expect(rec.path[0]).not.toHaveProperty('kernelSource')
    expect(Object.keys(rec.path[0]!).sort()).toEqual(['fn', 'reads', 'result', 'rule'])
  })
})

describe('setup_vq: the per-queue notify map names its queue', () => {
  const cfg = () => qemuModern({mult: 0x1000}).virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x400000, mult: 0x1000})
  const bars = {1: MSIX_BAR1, 4: {...MODERN_BAR4, len: 0x800000}}

  it('its steps are "notify queue N: ..."; a failed map has typed facts with the queue', () => {
    const inp = input(cfg(), bars)
    const [ok, bad] = setupVqs(inp, P61, predict(inp, P61), 4, [
      {index: 1, size: 256, notifyOff: 1},
      {index: 2, size: 256, notifyOff: 0x400},
    ])
    expect(ok!.path.filter((s) => s.fn === 'vp_modern_map_capability').every((s) => s.rule.startsWith('notify queue 1: '))).toBe(true)
    const failed = bad!.path.find((s) => s.check !== undefined)!
    expect(failed).toMatchObject({check: 'map.len-le-start'})
    expect(failed.facts).toStrictEqual({struct: 'notify', queue: 2, capOffset: 0x70, length: 0x400000, start: 0x400000})
  })

  it('a map of the probe itself has no queue key in its facts', () => {
    const out = predict(input(qemuModern().virtioCap(0x50, {cfgType: 3, bar: 4, offset: 0x1000, length: 0}), MODERN_BARS), P61)
    expect(out.path.find((s) => s.check === 'map.len-le-start')!.facts).toStrictEqual({struct: 'isr', capOffset: 0x50, length: 0, start: 0})
  })
})

describe('setup_vq: the per-queue map length is length - start (u32)', () => {
  it('length 0xfffff000 at start 0x1000 leaves 0xffffe000, clipped to 2: "unable to map virtio 2@4096" on a BAR without an address', () => {
    // Notify on BAR 2 (no address), past a page: mapped per queue; queue 0 at off 1 x 0x1000.
    const cfg = qemuModern().virtioCap(0x70, {cfgType: 2, bar: 2, offset: 0, length: 0xfffff000, mult: 0x1000})
    const inp = input(cfg, {...MODERN_BARS, 2: {type: 'mem', len: 0x10000, start: 0}})
    const predicted = predict(inp, P61)
    expect(predicted).toMatchObject({rc: '0', notify: {mode: 'per-queue'}, modernBars: '0x14'})
    const [q] = setupVqs(inp, P61, predicted, 1, [{index: 0, size: 256, notifyOff: 1}])
    expect(q!.messages).toEqual([{level: 'err', text: 'virtio-pci 0000:00:03.0: virtio_pci: unable to map virtio 2@4096 on bar 2'}])
  })
})
