import {describe, expect, it} from 'vitest'
import type {PredictedOutcome} from '../../src/model/types.js'
import {compareWithModel, formatDifferences} from '../../src/oracle/compare.js'
import type {OracleResult} from '../../src/oracle/result.js'

const kernel = (over: Partial<OracleResult> = {}): OracleResult => ({
  id: 'k',
  rc: '0',
  transport: 'modern',
  virtioDeviceId: 1,
  configOps: 'virtio_pci_config_ops',
  messages: [],
  mappings: [
    {bar: 4, offset: 0, maxlen: 60, length: 60, ok: true},
    {bar: 4, offset: 0x1000, maxlen: 1, length: 1, ok: true},
  ],
  requests: [],
  attempts: [{probe: 'modern', rc: '0'}],
  reads: [],
  ...over,
})

const model = (over: Partial<PredictedOutcome> = {}): PredictedOutcome =>
  ({
    transport: 'modern',
    rc: '0',
    virtioDeviceId: '0x1',
    messages: [],
    messageDetails: [],
    path: [],
    capabilities: [],
    mappings: [
      {what: 'common', bar: 4, offset: '0x0', length: '0x1000', ok: true, kernelLength: '0x3c', mappedLength: '0x3c'},
      {what: 'isr', bar: 4, offset: '0x1000', length: '0x1000', ok: true, kernelLength: '0x1', mappedLength: '0x1'},
      {what: 'device', bar: 4, offset: '0x2000', length: '0x1000', ok: false},
    ],
    configOps: 'virtio_pci_config_ops',
    ...over,
  }) as PredictedOutcome

describe('compareWithModel', () => {
  it('agrees on the same rc, transport, messages and established mappings (failed model mappings ignored)', () => {
    expect(compareWithModel(kernel(), model())).toEqual({verdict: 'agree', differences: []})
  })

  it('reports each kind of difference with both sides', () => {
    const msg = {level: 'err' as const, text: 'virtio-pci 0000:00:03.0: virtio_pci: bad capability len 0 (>0 expected)'}
    const cmp = compareWithModel(
      kernel({rc: 'EINVAL', transport: 'none', messages: [msg], mappings: []}),
      model(),
    )
    expect(cmp.verdict).toBe('disagree')
    expect(cmp.differences.map((d) => d.kind)).toEqual(['rc', 'transport', 'messages', 'mappings'])
    expect(cmp.differences[0]).toEqual({kind: 'rc', model: '0', kernel: 'EINVAL'})
    expect(formatDifferences(cmp.differences)).toContain('kernel: <err> virtio-pci 0000:00:03.0: virtio_pci: bad capability len 0')
  })

  it('compares message levels, not only texts', () => {
    const text = 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver'
    const cmp = compareWithModel(kernel({messages: [{level: 'info', text}]}), model({messages: [text], messageDetails: [{level: 'warn', text}]}))
    expect(cmp.differences.map((d) => d.kind)).toEqual(['messages'])
  })

  it('compares the mapped length, not the requested one', () => {
    const cmp = compareWithModel(kernel(), model({mappings: [{what: 'common', bar: 4, offset: '0x0', length: '0x1000', ok: true, kernelLength: '0x3c', mappedLength: '0x38'}, {what: 'isr', bar: 4, offset: '0x1000', length: '0x1000', ok: true, kernelLength: '0x1', mappedLength: '0x1'}]}))
    expect(cmp.differences).toEqual([{kind: 'mappings', model: 'BAR 4 +0x0 maxlen 0x3c len 0x38, BAR 4 +0x1000 maxlen 0x1 len 0x1', kernel: 'BAR 4 +0x0 maxlen 0x3c len 0x3c, BAR 4 +0x1000 maxlen 0x1 len 0x1'}])
  })

  it('compares the maxlen each established mapping asked pci_iomap_range for', () => {
    const cmp = compareWithModel(kernel(), model({mappings: [{what: 'common', bar: 4, offset: '0x0', length: '0x1000', ok: true, kernelLength: '0x40', mappedLength: '0x3c'}, {what: 'isr', bar: 4, offset: '0x1000', length: '0x1000', ok: true, kernelLength: '0x1', mappedLength: '0x1'}]}))
    expect(cmp.differences.map((d) => d.model)).toEqual(['BAR 4 +0x0 maxlen 0x40 len 0x3c, BAR 4 +0x1000 maxlen 0x1 len 0x1'])
  })

  it("compares the driver's config reads in order, without the PCI core's enumeration reads", () => {
    const read = (offset: number, width: 1 | 2 | 4, what = 'r') => ({what, offset: `0x${offset.toString(16)}`, width, value: '0x0', sources: []})
    const path = [
      {fn: 'pci_setup_device', rule: 'cached', result: 'info', reads: [read(0, 4), read(0xe, 1)]},
      {fn: 'virtio_pci_find_capability', rule: 'walk', result: 'info', reads: [read(6, 2), read(0x34, 1), {what: 'pci_resource_len(4)', value: '0x4000', sources: []}]},
    ] as unknown as PredictedOutcome['path']
    const reads: OracleResult['reads'] = [[6, 2], [0x34, 1]]
    expect(compareWithModel(kernel({reads}), model({path})).verdict).toBe('agree')
    const cmp = compareWithModel(kernel({reads: [[6, 2], [0x34, 2]]}), model({path}))
    expect(cmp.differences).toEqual([{kind: 'reads', model: '0x6/2 0x34/1', kernel: '0x6/2 0x34/2'}])
    // A recorded outcome without its reads.
    expect(compareWithModel(kernel(), model({path}), undefined, {reads: false}).verdict).toBe('agree')
    // A hang: the kernel loops on, the model's reads must be how the kernel's began.
    const hang = {rc: 'hang', transport: 'none', mappings: [], virtioDeviceId: undefined, configOps: undefined} as const
    expect(compareWithModel(kernel({...hang, reads: [[6, 2], [0x34, 1], [0x40, 2], [0x40, 2]]}), model({...hang, path})).verdict).toBe('agree')
    expect(compareWithModel(kernel({...hang, reads: [[6, 2], [0x35, 1], [0x40, 2]]}), model({...hang, path})).differences.map((d) => d.kind)).toEqual(['reads'])
  })

  it("compares each queue's own established mappings and reads", () => {
    const queue = {index: 0, notifyOff: 1, mapped: true, messages: [], mappings: [{bar: 4, offset: 0x3004, maxlen: 2, length: 2}], reads: [[0x64, 1]] as const}
    const kq = {index: 0, notifyOff: 1, mapped: true, messages: [], mappings: [{bar: 4, offset: 0x3004, maxlen: 2, length: 2, ok: true}]}
    expect(compareWithModel(kernel({queues: [kq], reads: [[0x64, 1]]}), model(), [queue]).verdict).toBe('agree')
    const cmp = compareWithModel(kernel({queues: [{...kq, mappings: [{...kq.mappings[0]!, offset: 0x3008}]}], reads: [[0x64, 1]]}), model(), [queue])
    expect(cmp.differences).toEqual([{kind: 'setup-vq', model: 'queue 0 notify_off 1: mapped (BAR 4 +0x3004 maxlen 0x2 len 0x2)', kernel: 'queue 0 notify_off 1: mapped (BAR 4 +0x3008 maxlen 0x2 len 0x2)'}])
    expect(compareWithModel(kernel({queues: [kq], reads: []}), model(), [queue]).differences.map((d) => d.kind)).toEqual(['reads'])
  })

  it('checks the virtio id and config ops of a successful probe', () => {
    const cmp = compareWithModel(kernel({virtioDeviceId: 2, configOps: 'virtio_pci_config_nodev_ops'}), model())
    expect(cmp.differences.map((d) => d.kind)).toEqual(['virtio-id', 'config-ops'])
    // A model that gives none is a difference; an id hidden by unknown subsystem bytes is not compared.
    const none = compareWithModel(kernel(), model({virtioDeviceId: undefined, configOps: undefined}))
    expect(none.differences).toEqual([{kind: 'virtio-id', model: '(none)', kernel: '0x1'}, {kind: 'config-ops', model: '(none)', kernel: 'virtio_pci_config_ops'}])
    expect(compareWithModel(kernel(), model({virtioDeviceId: undefined, virtioDeviceIdUnknownOffsets: ['0x2e']})).verdict).toBe('agree')
  })

  it('treats undetermined on both sides as agreement, and a model that gives up where the kernel did not as a difference', () => {
    const undet = kernel({rc: 'undetermined', transport: 'none', mappings: [], undeterminedOffsets: [0x43]})
    expect(compareWithModel(undet, model({rc: 'undetermined', transport: 'none', mappings: []})).verdict).toBe('agree')
    const cmp = compareWithModel(kernel(), model({rc: 'undetermined', undeterminedOffsets: ['0xb']}))
    expect(cmp.verdict).toBe('disagree')
    expect(cmp.differences[0]!.kind).toBe('undetermined')
  })

  it('cannot confirm a model that decided where the kernel code needed unknown evidence', () => {
    const cmp = compareWithModel(kernel({rc: 'undetermined', undeterminedOffsets: [0x47], undeterminedBars: [4]}), model())
    expect(cmp.verdict).toBe('oracle-undetermined')
    expect(cmp.differences[0]!.kernel).toBe('undetermined: needs config bytes 0x47 and BAR 4 facts')
  })
})
