import {describe, expect, it} from 'vitest'
import {setupVqs} from '../../src/model/setup-vq.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {MODERN_BAR4, MSIX_BAR1, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {P510, P61, P612} from './helpers.js'
import type {KernelProfile} from '../../src/model/profiles.js'
import type {QueueFacts} from '../../src/model/setup-vq.js'

const PREFIX = 'virtio-pci 0000:00:03.0: '

function run(p: KernelProfile, queues: QueueFacts[], cfg = qemuModern(), bars: Parameters<typeof input>[1] = MODERN_BARS, numQueues = 4) {
  const inp = input(cfg, bars)
  return setupVqs(inp, p, predict(inp, p), numQueues, queues)
}

const perQueue = (mult: number, length = 0x400000) => qemuModern({mult}).virtioCap(0x70, {cfgType: 2, bar: 4, offset: 0x3000, length, mult})
const BIG_BAR = {1: MSIX_BAR1, 4: {...MODERN_BAR4, len: 0x800000}}

describe('setup_vq (virtio_pci_modern.c), after a successful probe', () => {
  it('whole notify map: the queue notifies at notify offset + off * multiplier', () => {
    const [q] = run(P61, [{index: 1, size: 256, enabled: false, notifyOff: 1}])
    expect(q).toMatchObject({index: 1, rc: '0', notify: {bar: 4, offset: '0x3004'}, messages: []})
  })

  it.each([
    [P510, 'EINVAL'],
    [P61, 'ENOMEM'],
  ])('vp_modern_map_vq_notify: (u64)off * multiplier + 2 > notify_len -> "bad notification offset" (%s)', (p, rc) => {
    const [q] = run(p, [{index: 0, size: 256, notifyOff: 0x400}])
    expect(q!.rc).toBe(rc)
    expect(q!.messages).toEqual([{level: 'warn', text: `${PREFIX}bad notification offset 1024 (x 4) for queue 0 > 4096`}])
  })

  it.each([
    [P510, 'ENOENT'],
    [P61, 'EINVAL'],
  ])('index >= num_queues (%s)', (p, rc) => {
    expect(run(p, [{index: 4, size: 256, notifyOff: 4}])[0]!.rc).toBe(rc)
  })

  it('queue_size 0 or queue already enabled: -ENOENT', () => {
    expect(run(P61, [{index: 0, size: 0, notifyOff: 0}])[0]!.rc).toBe('ENOENT')
    expect(run(P61, [{index: 0, size: 256, enabled: true, notifyOff: 0}])[0]!.rc).toBe('ENOENT')
  })

  it('queue_size not a power of 2: "bad queue size" up to 6.3, accepted from 6.4', () => {
    const [q61] = run(P61, [{index: 0, size: 3, notifyOff: 0}])
    expect(q61).toMatchObject({rc: 'EINVAL', messages: [{level: 'warn', text: `${PREFIX}bad queue size 3`}]})
    expect(run(P612, [{index: 0, size: 3, notifyOff: 0}])[0]!.rc).toBe('0')
  })

  it('per-queue map (notify_map_cap): start = off * multiplier goes through vp_modern_map_capability', () => {
    const [q0, q1] = run(P61, [{index: 0, size: 256, notifyOff: 0}, {index: 1, size: 256, notifyOff: 1}], perQueue(0x1000), BIG_BAR)
    expect(q0).toMatchObject({rc: '0', notify: {bar: 4, offset: '0x3000'}})
    expect(q1).toMatchObject({rc: '0', notify: {bar: 4, offset: '0x4000'}})
  })

  it('per-queue map: start beyond the structure -> "bad capability len %u (>%u expected)"', () => {
    const [q] = run(P61, [{index: 0, size: 256, notifyOff: 0x400}], perQueue(0x1000), BIG_BAR)
    expect(q).toMatchObject({rc: 'ENOMEM', messages: [{level: 'err', text: `${PREFIX}virtio_pci: bad capability len 4194304 (>4194304 expected)`}]})
  })

  it('per-queue map: start + offset wrapping in u32 -> "map wrap-around %u+%u"', () => {
    const [q] = run(P61, [{index: 0, size: 256, notifyOff: 1}], perQueue(0xfffff000, 0xffffffff), BIG_BAR)
    expect(q!.messages).toEqual([{level: 'err', text: `${PREFIX}virtio_pci: map wrap-around 4294963200+12288`}])
  })

  it('per-queue map: off * multiplier wraps in u32 (u16 x u32): queue 2 x 0x80000000 lands on offset 0', () => {
    const [q] = run(P61, [{index: 0, size: 256, notifyOff: 2}], perQueue(0x80000000), BIG_BAR)
    expect(q).toMatchObject({rc: '0', notify: {bar: 4, offset: '0x3000'}})
  })

  it('queue_notify_off missing from the trace: undetermined; no modern transport: nothing to model', () => {
    expect(run(P61, [{index: 0, size: 256}])[0]!.rc).toBe('undetermined')
    const inp = input(qemuTransitional(), TRANSITIONAL_BARS, true)
    expect(setupVqs(inp, P61, predict(inp, P61), 1, [{index: 0, size: 256, notifyOff: 0}])).toEqual([])
  })
})

describe('setup_vq at its edges', () => {
  it.each([
    [P510, 'ENOENT'],
    [P61, 'EINVAL'],
  ])('index num_queues - 1 is the last queue; num_queues is past it, silently (%s)', (p, rc) => {
    expect(run(p, [{index: 3, size: 256, notifyOff: 3}])[0]).toMatchObject({rc: '0', messages: []})
    const [past] = run(p, [{index: 4, size: 256, notifyOff: 4}])
    expect(past).toMatchObject({rc, messages: []})
    expect(past!.path).toEqual([expect.objectContaining({fn: 'setup_vq', result: 'fail'})])
  })

  it('queue_size 1 and 2 are powers of 2, 6 is not (up to 6.3)', () => {
    expect(run(P61, [{index: 0, size: 1, notifyOff: 0}])[0]!.rc).toBe('0')
    expect(run(P61, [{index: 0, size: 2, notifyOff: 0}])[0]!.rc).toBe('0')
    expect(run(P61, [{index: 0, size: 6, notifyOff: 0}])[0]).toMatchObject({rc: 'EINVAL', messages: [{level: 'warn', text: `${PREFIX}bad queue size 6`}]})
  })

  it('queue_enable read as 0: set up; not read at all: set up', () => {
    expect(run(P61, [{index: 0, size: 256, enabled: false, notifyOff: 0}])[0]!.rc).toBe('0')
    expect(run(P61, [{index: 0, size: 256, notifyOff: 0}].map(({index, size, notifyOff}) => ({index, size, notifyOff})))[0]!.rc).toBe('0')
  })

  it('whole notify map of 0x1000 bytes, multiplier 4: off 1023 ends at 4094 <= 4096, 1024 is past (4098 > 4096)', () => {
    expect(run(P61, [{index: 0, size: 256, notifyOff: 1023}])[0]).toMatchObject({rc: '0', notify: {bar: 4, offset: `0x${(0x3000 + 1023 * 4).toString(16)}`}, messages: []})
    expect(run(P61, [{index: 0, size: 256, notifyOff: 1024}])[0]!.rc).toBe('ENOMEM')
  })

  it('whole notify map: off * multiplier + 2 = notify_len exactly still fits (multiplier 2, length 0x1000, off 2047)', () => {
    expect(run(P61, [{index: 0, size: 256, notifyOff: 2047}], qemuModern({mult: 2}))[0]).toMatchObject({rc: '0', notify: {offset: '0x3ffe'}})
    expect(run(P61, [{index: 0, size: 256, notifyOff: 2048}], qemuModern({mult: 2}))[0]!.rc).toBe('ENOMEM')
  })

  it('the failing step is the kernel function of the profile: setup_vq (5.10), vp_modern_map_vq_notify (5.12+)', () => {
    const fnOf = (p: KernelProfile) => run(p, [{index: 0, size: 256, notifyOff: 0x400}])[0]!.path.at(-1)!.fn
    expect(fnOf(P510)).toBe('setup_vq')
    expect(fnOf(P61)).toBe('vp_modern_map_vq_notify')
  })

  it.each([
    [P510, 'EINVAL'],
    [P61, 'ENOMEM'],
  ])('per-queue map failing: the profile errno, the map check message, the per-queue step (%s)', (p, rc) => {
    const [q] = run(p, [{index: 0, size: 256, notifyOff: 0x400}], perQueue(0x1000), BIG_BAR)
    expect(q!.rc).toBe(rc)
    expect(q!.path.at(-1)).toMatchObject({rule: 'per-queue notify map failed', result: 'fail', detail: `-${rc}`})
    expect(q!.notify).toBeUndefined()
  })

  it('per-queue map: the unknown notify cap offset makes the queue undetermined, not the probe', () => {
    const cfg = perQueue(0x1000)
    const inp = input(cfg, BIG_BAR)
    const predicted = predict(inp, P61)
    expect(predicted.rc).toBe('0')
    const [q] = setupVqs(input(perQueue(0x1000).unknown(0x78), BIG_BAR), P61, predicted, 4, [{index: 0, size: 256, notifyOff: 1}])
    expect(q).toMatchObject({rc: 'undetermined', messages: []})
    expect(q!.path.at(-1)).toMatchObject({fn: 'evidence', result: 'fail'})
  })

  it('no queue is set up after a failed probe, or a probe of another transport', () => {
    const queue = [{index: 0, size: 256, notifyOff: 0}]
    const modern = input(qemuModern(), MODERN_BARS)
    const ok = predict(modern, P61)
    expect(setupVqs(modern, P61, ok, 1, queue)).toHaveLength(1)
    // rc other than 0 on the modern transport (the fields of a modern probe, rc changed).
    expect(setupVqs(modern, P61, {...ok, rc: 'EINVAL'}, 1, queue)).toEqual([])
    const legacy = input(qemuTransitional(), TRANSITIONAL_BARS, true)
    const predicted = predict(legacy, P61)
    expect(predicted).toMatchObject({rc: '0', transport: 'legacy'})
    expect(setupVqs(legacy, P61, predicted, 1, queue)).toEqual([])
  })
})
