import {describe, expect, it} from 'vitest'
import {compareOutcomes} from '../../src/outcome/compare.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {ConfigBuilder, MODERN_BARS, input, qemuModern} from '../model/builders.js'
import {P510, P61, P612} from '../model/helpers.js'
import type {CapabilityFinding, MappingResult, PredictedOutcome} from '../../src/model/types.js'

describe('two kernels side by side (replay --kernel A --vs B)', () => {
  it('a QEMU modern device: 5.10 vs 6.12 differ only in the common map size and mapped length', () => {
    const a = predict(input(qemuModern(), MODERN_BARS), P510)
    const b = predict(input(qemuModern(), MODERN_BARS), P612)
    expect(compareOutcomes(a, b)).toEqual([
      {key: 'mapping.common.size', a: '0x38', b: '0x40'},
      {key: 'mapping.common.mappedLength', a: '0x38', b: '0x40'},
    ])
  })

  it('a failing device: 6.1 and 6.12 print the driver-core line differently', () => {
    const cfg = () =>
      new ConfigBuilder().ids({device: 0x1041}).virtioCap(0x40, {cfgType: 1, bar: 4, offset: 0, length: 0x1000}).chain(0x40)
    const diffs = compareOutcomes(predict(input(cfg(), MODERN_BARS), P61), predict(input(cfg(), MODERN_BARS), P612))
    expect(diffs).toEqual([
      {
        key: 'messages[1]',
        a: 'virtio-pci: probe of 0000:00:03.0 failed with error -22',
        b: 'virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -22',
      },
    ])
  })

  it('an outcome compared with itself has no differences', () => {
    const a = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(compareOutcomes(a, a)).toEqual([])
  })
})

describe('compareOutcomes: every fact it keys', () => {
  const base = (o: Partial<PredictedOutcome> = {}): PredictedOutcome => ({transport: 'modern', rc: '0', messages: [], messageDetails: [], path: [], capabilities: [], mappings: [], attempts: [], ...o})
  const map = (what: string, o: Partial<MappingResult> = {}): MappingResult => ({what, bar: 4, offset: '0x0', length: '0x1000', size: '0x38', ok: true, mappedLength: '0x38', ...o})
  const cap = (lookup: string, offset: string, decision: CapabilityFinding['decision'] = 'chosen'): CapabilityFinding => ({lookup, offset, cfgType: 1, bar: 4, decision})

  it('transport, rc and virtio id, missing ones shown as -', () => {
    expect(compareOutcomes(base({virtioDeviceId: '0x1'}), base({transport: 'legacy', rc: 'EINVAL'}))).toEqual([
      {key: 'transport', a: 'modern', b: 'legacy'},
      {key: 'rc', a: '0', b: 'EINVAL'},
      {key: 'virtioDeviceId', a: '0x1', b: '-'},
    ])
  })

  it('messages line by line, up to the longer list', () => {
    expect(compareOutcomes(base({messages: ['x']}), base({messages: ['x', 'y', 'z']}))).toEqual([
      {key: 'messages[1]', a: '-', b: 'y'},
      {key: 'messages[2]', a: '-', b: 'z'},
    ])
    expect(compareOutcomes(base({messages: ['p', 'q']}), base({messages: ['x']}))).toEqual([
      {key: 'messages[0]', a: 'p', b: 'x'},
      {key: 'messages[1]', a: 'q', b: '-'},
    ])
  })

  it('each structure mapped on either side: ok, size, mapped length', () => {
    const a = base({mappings: [map('common'), map('isr', {size: '0x1', mappedLength: '0x1'})]})
    const b = base({mappings: [map('common', {ok: false, size: '0x40', mappedLength: undefined}), map('device')]})
    expect(compareOutcomes(a, b)).toEqual([
      {key: 'mapping.common.ok', a: 'true', b: 'false'},
      {key: 'mapping.common.size', a: '0x38', b: '0x40'},
      {key: 'mapping.common.mappedLength', a: '0x38', b: '-'},
      {key: 'mapping.isr.ok', a: 'true', b: '-'},
      {key: 'mapping.isr.size', a: '0x1', b: '-'},
      {key: 'mapping.isr.mappedLength', a: '0x1', b: '-'},
      {key: 'mapping.device.ok', a: '-', b: 'true'},
      {key: 'mapping.device.size', a: '-', b: '0x38'},
      {key: 'mapping.device.mappedLength', a: '-', b: '0x38'},
    ])
  })

  it('notify mode and multiplier, config ops, modern_bars', () => {
    const a = base({notify: {multiplier: '0x4', mode: 'whole'}, configOps: 'virtio_pci_config_ops', modernBars: '0x10'})
    const b = base({notify: {multiplier: '0x1000', mode: 'per-queue'}, configOps: 'virtio_pci_config_nodev_ops', modernBars: '0x14'})
    expect(compareOutcomes(a, b)).toEqual([
      {key: 'notify.mode', a: 'whole', b: 'per-queue'},
      {key: 'notify.multiplier', a: '0x4', b: '0x1000'},
      {key: 'configOps', a: 'virtio_pci_config_ops', b: 'virtio_pci_config_nodev_ops'},
      {key: 'modernBars', a: '0x10', b: '0x14'},
    ])
    expect(compareOutcomes(a, base())).toHaveLength(4)
  })

  it('the capability each lookup chose (skipped ones do not count)', () => {
    const a = base({capabilities: [cap('common', '0x40'), cap('isr', '0x50'), cap('notify', '0x70'), cap('device', '0x60')]})
    const b = base({capabilities: [cap('common', '0x40', 'skipped'), cap('common', '0xa8'), cap('isr', '0x58'), cap('notify', '0x70', 'other-type'), cap('device', '0x64')]})
    expect(compareOutcomes(a, b)).toEqual([
      {key: 'capability.common', a: '0x40', b: '0xa8'},
      {key: 'capability.isr', a: '0x50', b: '0x58'},
      {key: 'capability.notify', a: '0x70', b: '-'},
      {key: 'capability.device', a: '0x60', b: '0x64'},
    ])
  })

  it('the first failed check by id, and the evidence an undetermined outcome lacks (as JSON)', () => {
    const failed = (check: 'modern.device-id' | 'legacy.device-id') => ({fn: 'f', rule: 'r', result: 'fail' as const, reads: [], check, facts: {device: 0x1080}, basis: []})
    const plain = {fn: 'f', rule: 'r', result: 'pass' as const, reads: []}
    const a = base({path: [plain, failed('modern.device-id'), failed('legacy.device-id')], undeterminedOffsets: ['0x7e'], undeterminedBars: [4]})
    const b = base({path: [failed('legacy.device-id')]})
    expect(compareOutcomes(a, b)).toEqual([
      {key: 'failedCheck', a: 'modern.device-id', b: 'legacy.device-id'},
      {key: 'undeterminedOffsets', a: '["0x7e"]', b: '-'},
      {key: 'undeterminedBars', a: '[4]', b: '-'},
    ])
  })
})
