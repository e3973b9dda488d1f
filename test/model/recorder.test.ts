/**
 * ProbeRecorder: the model's reads and steps, as `replay --json` and triage show them. Each read
 * carries its name, offset, width, value (hex) and evidence lines; an inferred byte is marked; an
 * unknown byte or BAR fact stops the run naming what was read; steps collect the reads made since
 * the previous one; a failed check prints its message with the driver-core prefix when it has one.
 */
import {describe, expect, it} from 'vitest'
import {ProbeRecorder} from '../../src/model/recorder.js'
import {ProbeHangs, UnknownEvidence} from '../../src/model/unknown.js'
import {ConfigBuilder, input} from './builders.js'

const rec = (cfg = new ConfigBuilder().ids({}), bars: Parameters<typeof input>[1] = {4: {type: 'mem', len: 0x4000, start: 0xfe000000}}) => new ProbeRecorder(input(cfg, bars))

describe('ProbeRecorder: config reads', () => {
  it('a read records name, offset, width, value and source; an inferred byte marks the read and the run', () => {
    const r = rec(new ConfigBuilder().ids({}).markInferred(0x03))
    expect(r.config('PCI_VENDOR_ID/PCI_DEVICE_ID', 0, 4)).toBe(0x10411af4)
    expect(r.config('PCI_HEADER_TYPE', 0x0e, 1)).toBe(0)
    r.step('f', 'rule', 'info')
    expect(r.path[0]!.reads).toEqual([
      {what: 'PCI_VENDOR_ID/PCI_DEVICE_ID', offset: '0x0', width: 4, value: '0x10411af4', sources: ['config.txt:1'], inferred: true},
      {what: 'PCI_HEADER_TYPE', offset: '0xe', width: 1, value: '0x0', sources: ['config.txt:15']},
    ])
    expect(r.usesInferred).toBe(true)
    expect(rec().usesInferred).toBe(false)
  })

  it('an unknown byte: the read is recorded as unknown and the run stops with the missing offsets', () => {
    const r = rec(new ConfigBuilder().ids({}).unknown(0x0f))
    let e: unknown
    try {
      r.config('x', 0x0e, 2)
    } catch (err) {
      e = err
    }
    expect(e).toBeInstanceOf(UnknownEvidence)
    expect(e).toMatchObject({what: 'x', offsets: [0x0f], bars: [], message: 'x: evidence does not cover it'})
    r.step('f', 'rule', 'fail')
    expect(r.path[0]!.reads).toEqual([{what: 'x', offset: '0xe', width: 2, value: 'unknown', sources: []}])
  })

  it('lastValueAt and readsAt: the last known value at an offset, and every read there', () => {
    const r = rec()
    expect(r.lastValueAt(0x02)).toBeUndefined()
    r.config('a', 0x02, 2)
    r.config('b', 0x00, 4)
    r.config('c', 0x02, 1)
    expect(r.lastValueAt(0x02)).toBe(0x41)
    expect(r.readsAt(0x02).map((x) => x.what)).toEqual(['a', 'c'])
    expect(r.readsAt(0x00).map((x) => x.what)).toEqual(['b'])
  })

  it('mark and readsSince: the reads after a mark, across steps', () => {
    const r = rec()
    r.config('a', 0, 2)
    const m = r.mark()
    r.config('b', 2, 2)
    r.step('f', 'rule', 'info')
    r.config('c', 8, 1)
    expect(r.readsSince(m).map((x) => x.what)).toEqual(['b', 'c'])
    expect(r.readsSince(0).map((x) => x.what)).toEqual(['a', 'b', 'c'])
  })
})

describe('ProbeRecorder: resource facts', () => {
  it('len, flags and start of a BAR, each with its evidence line', () => {
    const r = rec()
    expect(r.resourceLen(4)).toBe(0x4000)
    expect(r.resourceKind(4)).toBe('mem')
    expect(r.resourceStart(4)).toBe(0xfe000000)
    expect(r.resourceLen(0)).toBe(0)
    expect(r.resourceKind(0)).toBe('none')
    r.step('f', 'rule', 'info')
    expect(r.path[0]!.reads).toEqual([
      {what: 'pci_resource_len(4)', value: '0x4000', sources: ['resource:5']},
      {what: 'pci_resource_flags(4)', value: 'mem', sources: ['resource:5']},
      {what: 'pci_resource_start(4)', value: '0xfe000000', sources: ['resource:5']},
      {what: 'pci_resource_len(0)', value: '0x0', sources: ['resource:1']},
      {what: 'pci_resource_flags(0)', value: 'none', sources: ['resource:1']},
    ])
  })

  it.each([
    ['len', (r: ProbeRecorder) => r.resourceLen(4), 'pci_resource_len(4)'],
    ['flags', (r: ProbeRecorder) => r.resourceKind(4), 'pci_resource_flags(4)'],
    ['start', (r: ProbeRecorder) => r.resourceStart(4), 'pci_resource_start(4)'],
  ] as const)('an unknown %s stops the run naming the BAR', (_, read, what) => {
    const r = rec(new ConfigBuilder().ids({}), {4: {}})
    expect(() => read(r)).toThrow(UnknownEvidence)
    try {
      read(r)
    } catch (e) {
      expect(e).toMatchObject({what, offsets: [], bars: [4]})
    }
    r.step('f', 'rule', 'fail')
    expect(r.path[0]!.reads[0]).toEqual({what, value: 'unknown', sources: []})
  })

  it('a BAR index outside 0..5 has no resource: unknown', () => {
    const r = rec()
    expect(() => r.resourceLen(6)).toThrow(UnknownEvidence)
    expect(() => r.resourceLen(-1)).toThrow(UnknownEvidence)
    expect(() => r.resourceStart(6)).toThrow(UnknownEvidence)
    expect(() => r.resourceKind(6)).toThrow(UnknownEvidence)
    expect(r.resourceLen(5)).toBe(0)
  })
})

describe('ProbeRecorder: steps and messages', () => {
  it('a step without detail or source has neither key; the reads go to the step that closes them', () => {
    const r = rec()
    r.config('a', 0, 2)
    r.step('f', 'rule', 'pass')
    r.step('g', 'rule2', 'info', 'why', 'drivers/x.c')
    expect(r.path).toEqual([
      {fn: 'f', rule: 'rule', result: 'pass', reads: [expect.objectContaining({what: 'a'})]},
      {fn: 'g', rule: 'rule2', result: 'info', reads: [], detail: 'why', kernelSource: 'drivers/x.c'},
    ])
  })

  it('failCheck: its reads, its basis (the reads by default), the message with or without the device prefix', () => {
    const r = rec()
    r.config('a', 0, 2)
    r.failCheck({fn: 'f', rule: 'r', check: 'match.vendor', facts: {vendor: 1}, message: {level: 'err', text: 'bad', device: true}})
    r.failCheck({fn: 'g', rule: 'r', detail: 'd', kernelSource: 'k.c', check: 'match.vendor', facts: {vendor: 2}, basis: [], message: {level: 'warn', text: 'plain', device: false}})
    r.failCheck({fn: 'h', rule: 'r', check: 'match.vendor', facts: {vendor: 3}})
    const a = {what: 'a', offset: '0x0', width: 2, value: '0x1af4', sources: ['config.txt:1']}
    expect(r.path).toEqual([
      {fn: 'f', rule: 'r', result: 'fail', reads: [a], check: 'match.vendor', facts: {vendor: 1}, basis: [a], message: 'virtio-pci 0000:00:03.0: bad'},
      {fn: 'g', rule: 'r', result: 'fail', detail: 'd', reads: [], kernelSource: 'k.c', check: 'match.vendor', facts: {vendor: 2}, basis: [], message: 'plain'},
      {fn: 'h', rule: 'r', result: 'fail', reads: [], check: 'match.vendor', facts: {vendor: 3}, basis: []},
    ])
    expect(r.messages).toEqual([
      {level: 'err', text: 'virtio-pci 0000:00:03.0: bad'},
      {level: 'warn', text: 'plain'},
    ])
  })

  it('devMessage and plainMessage', () => {
    const r = rec()
    r.devMessage('info', 'hello')
    r.plainMessage('warn', 'bye')
    expect(r.messages).toEqual([
      {level: 'info', text: 'virtio-pci 0000:00:03.0: hello'},
      {level: 'warn', text: 'bye'},
    ])
    expect(r.bdf).toBe('0000:00:03.0')
  })
})

describe('ProbeHangs', () => {
  it('names the function and the cycle', () => {
    const e = new ProbeHangs('virtio_pci_find_capability', [0x50, 0x60, 0x50])
    expect(e.message).toBe('virtio_pci_find_capability: capability walk cycles through 0x50 -> 0x60 -> 0x50')
    expect(e.name).toBe('ProbeHangs')
    expect(new UnknownEvidence('x', [], []).name).toBe('UnknownEvidence')
  })
})
