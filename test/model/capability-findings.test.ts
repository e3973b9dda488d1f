/**
 * What virtio_pci_find_capability records per lookup (`capabilities` of the outcome, shown by replay
 * and read by triage): each vendor capability the walk looks at, its cfg_type and bar, the decision
 * (chosen / skipped / other-type) and why, in walk order, for every lookup of the probe.
 */
import {describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {ConfigBuilder, MODERN_BARS, input, qemuModern} from './builders.js'
import {P510, P61} from './helpers.js'

describe('capability findings', () => {
  it('a QEMU modern device: every lookup walks newest to oldest and stops at its cap', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    const other = (offset: string, cfgType: number, bar: number, lookingFor: number) => ({lookup: '', offset, cfgType, bar, decision: 'other-type', reason: `cfg_type ${cfgType}, looking for ${lookingFor}`})
    const at = (lookup: string, rows: ReturnType<typeof other>[]) => rows.map((r) => ({...r, lookup}))
    expect(out.capabilities).toEqual([
      ...at('common', [other('0x84', 5, 0, 1), other('0x70', 2, 4, 1), other('0x60', 4, 4, 1), other('0x50', 3, 4, 1)]),
      {lookup: 'common', offset: '0x40', cfgType: 1, bar: 4, decision: 'chosen'},
      ...at('isr', [other('0x84', 5, 0, 3), other('0x70', 2, 4, 3), other('0x60', 4, 4, 3)]),
      {lookup: 'isr', offset: '0x50', cfgType: 3, bar: 4, decision: 'chosen'},
      ...at('notify', [other('0x84', 5, 0, 2)]),
      {lookup: 'notify', offset: '0x70', cfgType: 2, bar: 4, decision: 'chosen'},
      ...at('device', [other('0x84', 5, 0, 4), other('0x70', 2, 4, 4)]),
      {lookup: 'device', offset: '0x60', cfgType: 4, bar: 4, decision: 'chosen'},
    ])
    expect(out.modernBars).toBe('0x10')
  })

  it('skipped: an empty BAR, a BAR without IO/MEM flags, a reserved BAR value (by profile wording)', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x50, {cfgType: 1, bar: 2, offset: 0, length: 0x1000})
      .virtioCap(0x60, {cfgType: 1, bar: 3, offset: 0, length: 0x1000})
      .virtioCap(0x70, {cfgType: 1, bar: 6, offset: 0, length: 0x1000})
      .chain(0x70, 0x60, 0x50, 0x40)
    const bars = {...MODERN_BARS, 3: {type: 'none' as const, len: 0x1000, start: 0xfd000000}}
    const common = (p: typeof P61) => predict(input(cfg, bars), p).capabilities.filter((c) => c.lookup === 'common')
    expect(common(P61)).toEqual([
      {lookup: 'common', offset: '0x70', cfgType: 1, bar: 6, decision: 'skipped', reason: 'reserved BAR value 6 (bar >= PCI_STD_NUM_BARS)'},
      {lookup: 'common', offset: '0x60', cfgType: 1, bar: 3, decision: 'skipped', reason: 'BAR 3 has neither IORESOURCE_IO nor IORESOURCE_MEM'},
      {lookup: 'common', offset: '0x50', cfgType: 1, bar: 2, decision: 'skipped', reason: 'pci_resource_len(2) is 0'},
      {lookup: 'common', offset: '0x40', cfgType: 1, bar: 4, decision: 'chosen'},
    ])
    expect(common(P510)[0]).toMatchObject({decision: 'skipped', reason: 'reserved BAR value 6 (bar > 0x5)'})
  })

  it('the chosen BAR goes into modern_bars once per BAR; lookups that find nothing leave it', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000})
      .virtioCap(0x50, {cfgType: 3, bar: 1, offset: 0x800, length: 0x100})
      .virtioCap(0x60, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x60, 0x50, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.modernBars).toBe('0x12')
    expect(out.capabilities.filter((c) => c.lookup === 'device')).toEqual([
      {lookup: 'device', offset: '0x60', cfgType: 2, bar: 4, decision: 'other-type', reason: 'cfg_type 2, looking for 4'},
      {lookup: 'device', offset: '0x50', cfgType: 3, bar: 1, decision: 'other-type', reason: 'cfg_type 3, looking for 4'},
      {lookup: 'device', offset: '0x40', cfgType: 1, bar: 4, decision: 'other-type', reason: 'cfg_type 1, looking for 4'},
    ])
  })

  it('a walk that finds no cap of the type: its step says so; a found one names offset, BAR, kind and modern_bars', () => {
    const out = predict(input(qemuModern().set(0x63, 1, 9), MODERN_BARS), P61)
    const steps = out.path.filter((s) => s.fn === 'virtio_pci_find_capability')
    expect(steps.map((s) => s.detail)).toEqual([
      'cfg_type 1 at 0x40 on BAR 4 (mem); modern_bars 0x10',
      'cfg_type 3 at 0x50 on BAR 4 (mem); modern_bars 0x10',
      'cfg_type 2 at 0x70 on BAR 4 (mem); modern_bars 0x10',
      'no usable cfg_type 4 capability',
    ])
    expect(out.configOps).toBe('virtio_pci_config_nodev_ops')
  })

  it('the cycle check names the loop in failCheck facts', () => {
    const cfg = new ConfigBuilder()
      .ids({device: 0x1041})
      .virtioCap(0x40, {cfgType: 3, bar: 4, offset: 0x1000, length: 0x1000})
      .virtioCap(0x50, {cfgType: 2, bar: 4, offset: 0x3000, length: 0x1000, mult: 4})
      .chain(0x40, 0x50)
      .set(0x51, 1, 0x40)
    const out = predict(input(cfg, MODERN_BARS), P61)
    expect(out.rc).toBe('hang')
    expect(out.path.find((s) => s.check === 'find.cycle')).toMatchObject({check: 'find.cycle', facts: {cycle: [0x40, 0x50, 0x40]}, kernelSource: 'drivers/virtio/virtio_pci_modern_dev.c'})
  })
})
