/**
 * setup_vq's MSI-X vector and the interrupt note of its vring step (virtio_pci_modern.c):
 *   if (msix_vec != VIRTIO_MSI_NO_VECTOR) {
 *     msix_vec = vp_modern_queue_vector(mdev, index, msix_vec);   // write, then read back
 *     if (msix_vec == VIRTIO_MSI_NO_VECTOR) return -EBUSY;
 *   }
 * in setup_vq up to 6.0, in vp_active_vq from 6.1 (5.10 and 6.1 trees read). VIRTIO_MSI_NO_VECTOR is
 * 0xffff. With INTx (MSI-X never enabled, or no MSI-X capability) no vector is written or checked.
 */
import {describe, expect, it} from 'vitest'
import {type InterruptFacts, type QueueFacts, setupVqs} from '../../src/model/setup-vq.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import type {KernelProfile} from '../../src/model/profiles.js'
import {MODERN_BARS, input, qemuModern} from './builders.js'
import {P510, P61, P612} from './helpers.js'

const FILE = 'drivers/virtio/virtio_pci_modern.c'
const MSIX: InterruptFacts = {msix: 'enabled', msixSource: 'trace.log:7'}

function one(p: KernelProfile, q: Partial<QueueFacts>, irq?: InterruptFacts) {
  const inp = input(qemuModern(), MODERN_BARS)
  return setupVqs(inp, p, predict(inp, p), 4, [{index: 0, size: 256, notifyOff: 0, ...q}], irq)[0]!
}
const vringStep = (q: ReturnType<typeof one>) => q.path.find((s) => s.rule === 'vring_create_virtqueue, queue activation')!

describe('vp_modern_queue_vector(...) == VIRTIO_MSI_NO_VECTOR -> -EBUSY (MSI-X enabled)', () => {
  it.each([
    ['5.10', 'setup_vq', P510],
    ['6.1', 'vp_active_vq', P61],
    ['6.12', 'vp_active_vq', P612],
  ])('%s: read back 0xffff: -EBUSY, silent, the check in %s', (_name, fn, p) => {
    const q = one(p, {vector: {written: 1, readBack: 0xffff, source: 'trace.log:9'}}, MSIX)
    expect(q).toMatchObject({rc: 'EBUSY', messages: []})
    // The notify address was had before the vector check; the outcome keeps it.
    expect(q.notify).toEqual({bar: 4, offset: '0x3000'})
    expect(q.path.at(-1)).toMatchObject({fn, rule: 'vp_modern_queue_vector(...) == VIRTIO_MSI_NO_VECTOR', result: 'fail', kernelSource: FILE})
  })

  it('read back 0xfffe (one below VIRTIO_MSI_NO_VECTOR) or the vector written: set up', () => {
    for (const readBack of [0xfffe, 1]) {
      const q = one(P61, {vector: {written: 1, readBack, source: 'trace.log:9'}}, MSIX)
      expect(q).toMatchObject({rc: '0', notify: {bar: 4, offset: '0x3000'}})
      expect(q.path.at(-1)).toMatchObject({fn: 'vp_active_vq', result: 'pass'})
    }
  })

  it('read back 0 (vector 0 is a vector): set up', () => {
    expect(one(P61, {vector: {written: 0, readBack: 0, source: 'trace.log:9'}}, MSIX).rc).toBe('0')
  })

  it('the read-back not in the trace: nothing to check, set up, said so', () => {
    const q = one(P61, {vector: {written: 2, source: 'trace.log:9'}}, MSIX)
    expect(q.rc).toBe('0')
    expect(q.path.at(-1)).toMatchObject({fn: 'vp_active_vq', rule: 'vp_modern_queue_vector: read back queue_msix_vector', result: 'info'})
  })

  it('no vector written for the queue (no callback): nothing to check, set up', () => {
    const q = one(P61, {}, MSIX)
    expect(q.rc).toBe('0')
    expect(q.path.at(-1)).toMatchObject({fn: 'vp_active_vq', rule: 'msix_vec != VIRTIO_MSI_NO_VECTOR', result: 'info'})
  })

  it.each([
    ['never-enabled', {msix: 'never-enabled'}],
    ['no-capability', {msix: 'no-capability'}],
    ['unknown', {msix: 'unknown'}],
    ['not given', undefined],
  ] as const)('MSI-X %s: a 0xffff read-back is not checked (no vector is written with INTx)', (_name, irq) => {
    const q = one(P61, {vector: {written: 1, readBack: 0xffff, source: 'trace.log:9'}}, irq as InterruptFacts | undefined)
    expect(q.rc).toBe('0')
    expect(q.path.some((s) => s.rule.startsWith('vp_modern_queue_vector') || s.rule.startsWith('msix_vec'))).toBe(false)
  })
})

describe('the interrupt the queue will use, as the vring step says it', () => {
  it.each([
    [undefined, 'the interrupt setup is not in the evidence'],
    [{msix: 'unknown'}, 'the interrupt setup is not in the evidence'],
    [{msix: 'enabled', msixSource: 'trace.log:7'}, 'MSI-X enabled (trace.log:7)'],
    [{msix: 'no-capability'}, 'no MSI-X capability: INTx, no queue vector'],
    [{msix: 'no-capability', pin: 1}, 'no MSI-X capability: INTx (pin INTA), no queue vector'],
    [{msix: 'no-capability', pin: 0, line: 11}, 'no MSI-X capability: INTx (pin none, line 11), no queue vector'],
    [{msix: 'no-capability', pin: 4, line: 0}, 'no MSI-X capability: INTx (pin INTD, line 0), no queue vector'],
    [{msix: 'no-capability', pin: 5}, 'no MSI-X capability: INTx (pin 5), no queue vector'],
    [{msix: 'never-enabled', pin: 2, line: 10}, 'MSI-X never enabled: INTx (pin INTB, line 10), no queue vector'],
    [{msix: 'never-enabled', tableSize: 1, pin: 3}, 'MSI-X never enabled (table of 1): INTx (pin INTC), no queue vector'],
  ] as const)('%j: "%s"', (irq, note) => {
    const q = one(P61, {}, irq as InterruptFacts | undefined)
    expect(vringStep(q)).toMatchObject({fn: 'setup_vq', result: 'info', detail: `assumed to succeed; ${note}`, kernelSource: FILE})
  })
})

describe('setup_vq: the silent -ENOENT checks report their facts', () => {
  it('!queue_size || queue_enable: size 0 and size 256 enabled fail, size 1 not enabled is set up', () => {
    expect(one(P61, {size: 0}).path.at(-1)).toMatchObject({fn: 'setup_vq', rule: '!queue_size || queue_enable', result: 'fail', detail: 'size 0, enable 0: -ENOENT'})
    expect(one(P61, {enabled: true}).path.at(-1)).toMatchObject({result: 'fail', detail: 'size 256, enable 1: -ENOENT'})
    expect(one(P61, {size: 1, enabled: false}).rc).toBe('0')
  })

  it('up to 6.3, queue_size & (queue_size - 1): the failing step is setup_vq, with the dev_warn', () => {
    const q = one(P61, {size: 3})
    expect(q).toMatchObject({rc: 'EINVAL', messages: [{level: 'warn', text: 'virtio-pci 0000:00:03.0: bad queue size 3'}]})
    expect(q.path.at(-1)).toMatchObject({fn: 'setup_vq', rule: 'queue_size & (queue_size - 1)', result: 'fail', kernelSource: FILE})
  })

  it('queue_notify_off not in the trace: the step says so and nothing is mapped', () => {
    const q = one(P61, {notifyOff: undefined})
    expect(q).toMatchObject({rc: 'undetermined', messages: []})
    expect(q.notify).toBeUndefined()
    expect(q.path.at(-1)).toMatchObject({fn: 'setup_vq', rule: 'queue_notify_off', result: 'fail'})
  })
})
