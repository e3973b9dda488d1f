import {describe, expect, it} from 'vitest'
import {compareOutcomes} from '../../src/outcome/compare.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {ConfigBuilder, MODERN_BARS, input, qemuModern} from '../model/builders.js'
import {P510, P61, P612} from '../model/helpers.js'

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
