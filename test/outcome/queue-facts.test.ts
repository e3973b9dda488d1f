/**
 * The setup_vq model's inputs from the trace (interruptFacts, kernelQueues): first on real captures
 * (traces/k6.1-pc-modern-only: MSI-X enabled and a vector per queue; k6.12-pc-vectors1: one vector,
 * MSI-X never enabled; k6.1-pc-vectors0: no MSI-X capability), then at each edge on hand-built
 * config images (the MSI-X table size and enable bit, inferred interrupt bytes, a capability list cut
 * short) and hand-built common-config accesses (the vector written and read back).
 */
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {ConfigImage} from '../../src/evidence/config-image.js'
import type {DeviceEvidence, EvidenceSet, RegionAccess} from '../../src/evidence/types.js'
import {interruptFacts, kernelQueues} from '../../src/outcome/queue-facts.js'
import {LINUX_OK, device, status} from './builders.js'

const traces = fileURLToPath(new URL('../../traces/', import.meta.url))
const capture = (name: string) =>
  buildEvidence(
    [
      {path: `${traces}${name}/trace.log.gz`, displayName: 'trace.log'},
      {path: `${traces}${name}/dmesg.txt`, displayName: 'dmesg.txt'},
    ],
    {},
  )
const fn = (set: EvidenceSet, bdf: string) => set.devices.find((d) => d.bdf === bdf)!

// Each test builds its own evidence (no beforeAll): per-test coverage then ties the evidence code to
// the tests that ran it, and a mutant of src/evidence is not made a static one by this file.
describe('interruptFacts and kernelQueues on real captures', () => {
  it('6.1 modern net and blk: MSI-X enabled by the write of 0xc003 to Message Control (table size 4; 2), a vector per queue', async () => {
    const modern = await capture('k6.1-pc-modern-only')
    const net = fn(modern, '0000:00:02.0')
    expect(interruptFacts(net)).toStrictEqual({msix: 'enabled', msixSource: 'trace.log:38200', tableSize: 4, pin: 1, pinSource: 'trace.log:1143', line: 10, lineSource: 'trace.log:1230'})
    expect(kernelQueues(net)).toStrictEqual({
      numQueues: 3,
      queues: [
        {index: 0, size: 256, enabled: false, notifyOff: 0, vector: {written: 1, source: 'trace.log:38267', readBack: 1}},
        {index: 1, size: 256, enabled: false, notifyOff: 1, vector: {written: 2, source: 'trace.log:38295', readBack: 2}},
        {index: 2, size: 64, enabled: false, notifyOff: 2},
      ],
    })
    const blk = fn(modern, '0000:00:03.0')
    expect(interruptFacts(blk)).toStrictEqual({msix: 'enabled', msixSource: 'trace.log:38362', tableSize: 2, pin: 1, pinSource: 'trace.log:1158', line: 11, lineSource: 'trace.log:1236'})
    expect(kernelQueues(blk)).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 256, enabled: false, notifyOff: 0, vector: {written: 1, source: 'trace.log:38422', readBack: 1}}]})
  })

  it('6.12 vectors=1: an MSI-X capability of one entry, never enabled; the queues get no vector', async () => {
    const net = fn(await capture('k6.12-pc-vectors1'), '0000:00:02.0')
    expect(interruptFacts(net)).toStrictEqual({msix: 'never-enabled', tableSize: 1, pin: 1, pinSource: 'trace.log:1024', line: 10, lineSource: 'trace.log:1097'})
    expect(kernelQueues(net)).toStrictEqual({
      numQueues: 3,
      queues: [
        {index: 0, size: 256, enabled: false, notifyOff: 0},
        {index: 1, size: 256, enabled: false, notifyOff: 1},
        {index: 2, size: 64, enabled: false, notifyOff: 2},
      ],
    })
  })

  it('6.1 vectors=0: no MSI-X capability, INTx pin and line as read', async () => {
    const vectors0 = await capture('k6.1-pc-vectors0')
    expect(interruptFacts(fn(vectors0, '0000:00:03.0'))).toStrictEqual({msix: 'no-capability', pin: 1, pinSource: 'trace.log:1033', line: 11, lineSource: 'trace.log:1095'})
    // The host bridge: no interrupt pin, not a virtio device (no registration, no queues).
    expect(interruptFacts(fn(vectors0, '0000:00:00.0'))).toStrictEqual({msix: 'no-capability', pin: 0, pinSource: 'trace.log:945', line: 0, lineSource: 'trace.log:1065'})
    expect(kernelQueues(fn(vectors0, '0000:00:00.0'))).toBeUndefined()
  })
})

/** A config image of guest reads (one byte each, source line = offset + 1), then guest writes. */
function imageOf(bytes: Record<number, number>, writes: {at: number; value: number; line: number; width?: 1 | 2}[] = []): ConfigImage {
  const image = new ConfigImage()
  for (const [at, value] of Object.entries(bytes)) image.observeRead(Number(at), value, 1, {file: 'trace.log', line: Number(at) + 1}, Number(at))
  for (const w of writes) image.observeWrite(w.at, w.value, w.width ?? 2, {file: 'trace.log', line: w.line}, w.line)
  return image
}

const traced = (config: ConfigImage, traced = true): DeviceEvidence => ({...device({traced}), config})

/** Status with the capability list bit, pointer 0x40, an MSI-X capability there with Message Control `control`. */
function MSIX_AT_40(control?: number): Record<number, number> {
  const bytes: Record<number, number> = {0x06: 0x10, 0x34: 0x40, 0x40: 0x11, 0x41: 0x00}
  if (control !== undefined) Object.assign(bytes, {0x42: control & 0xff, 0x43: control >> 8})
  return bytes
}

describe('interruptFacts at its edges', () => {
  it('no trace of config accesses: undefined', () => {
    expect(interruptFacts(traced(imageOf(MSIX_AT_40(0x0001)), false))).toBeUndefined()
  })

  it('the table size is Message Control bits 10..0 plus one, whatever the bits above', () => {
    expect(interruptFacts(traced(imageOf(MSIX_AT_40(0x0000))))).toStrictEqual({msix: 'never-enabled', tableSize: 1})
    expect(interruptFacts(traced(imageOf(MSIX_AT_40(0x07ff))))).toStrictEqual({msix: 'never-enabled', tableSize: 0x800})
    expect(interruptFacts(traced(imageOf(MSIX_AT_40(0xf802))))).toStrictEqual({msix: 'never-enabled', tableSize: 3})
  })

  it('Message Control unknown (either byte): no table size', () => {
    expect(interruptFacts(traced(imageOf(MSIX_AT_40())))).toStrictEqual({msix: 'never-enabled'})
    expect(interruptFacts(traced(imageOf({...MSIX_AT_40(), 0x42: 0x03})))!.tableSize).toBeUndefined()
  })

  it('enabled only by a write setting bit 15; the function mask bit (14) alone is not it', () => {
    const maskOnly = imageOf(MSIX_AT_40(0x0003), [{at: 0x42, value: 0x4003, line: 500}])
    expect(interruptFacts(traced(maskOnly))).toStrictEqual({msix: 'never-enabled', tableSize: 4})
    const enable = imageOf(MSIX_AT_40(0x0003), [{at: 0x42, value: 0x4003, line: 500}, {at: 0x42, value: 0x8003, line: 501}, {at: 0x42, value: 0xc003, line: 502}])
    expect(interruptFacts(traced(enable))).toStrictEqual({msix: 'enabled', msixSource: 'trace.log:501', tableSize: 4})
  })

  it('a read showing the enable bit is not a write enabling it', () => {
    // Firmware (or an earlier boot) left MSI-X enabled: the read is not the kernel's enable write.
    expect(interruptFacts(traced(imageOf(MSIX_AT_40(0x8003))))).toStrictEqual({msix: 'never-enabled', tableSize: 4})
    const later = imageOf(MSIX_AT_40(0x8003), [{at: 0x42, value: 0x8003, line: 600}])
    expect(interruptFacts(traced(later))).toStrictEqual({msix: 'enabled', msixSource: 'trace.log:600', tableSize: 4})
  })

  it('the MSI-X capability found behind another one', () => {
    const bytes = {0x06: 0x10, 0x34: 0x40, 0x40: 0x09, 0x41: 0x50, 0x50: 0x11, 0x51: 0x00, 0x52: 0x01, 0x53: 0x00}
    expect(interruptFacts(traced(imageOf(bytes)))).toStrictEqual({msix: 'never-enabled', tableSize: 2})
  })

  it('a list that ends without MSI-X, or no list at all: no capability; a list cut short: unknown', () => {
    expect(interruptFacts(traced(imageOf({0x06: 0x10, 0x34: 0x40, 0x40: 0x09, 0x41: 0x00})))).toStrictEqual({msix: 'no-capability'})
    expect(interruptFacts(traced(imageOf({0x06: 0x00})))).toStrictEqual({msix: 'no-capability'})
    expect(interruptFacts(traced(imageOf({0x06: 0x10, 0x34: 0x40, 0x40: 0x09})))).toStrictEqual({msix: 'unknown'})
    expect(interruptFacts(traced(imageOf({0x34: 0x40, 0x40: 0x11, 0x41: 0x00})))).toStrictEqual({msix: 'unknown'})
    expect(interruptFacts(traced(imageOf({0x06: 0x10, 0x34: 0x38})))).toStrictEqual({msix: 'unknown'})
  })

  it('pin and line as read; a byte only inferred from a narrow read is left out', () => {
    expect(interruptFacts(traced(imageOf({0x06: 0x00, 0x3c: 0x0b, 0x3d: 0x01})))).toStrictEqual({msix: 'no-capability', pin: 1, pinSource: 'trace.log:62', line: 11, lineSource: 'trace.log:61'})
    // A dword read at 0x3c without a width: 0x0b spans one byte, the pin byte above it is only inferred 0.
    const image = imageOf({0x06: 0x00})
    image.observeRead(0x3c, 0x0b, undefined, {file: 'trace.log', line: 70}, 70)
    expect(image.byte(0x3d)?.current.origin).toBe('inferred')
    expect(interruptFacts(traced(image))).toStrictEqual({msix: 'no-capability', line: 11, lineSource: 'trace.log:70'})
    const pinOnly = imageOf({0x06: 0x00})
    pinOnly.observeRead(0x3d, 0x01, undefined, {file: 'trace.log', line: 71}, 71)
    pinOnly.observeRead(0x3c, 0x0a, undefined, {file: 'trace.log', line: 72}, 72)
    expect(interruptFacts(traced(pinOnly))).toStrictEqual({msix: 'no-capability', pin: 1, pinSource: 'trace.log:71', line: 10, lineSource: 'trace.log:72'})
  })
})

describe('kernelQueues at its edges', () => {
  const common = (line: number, op: 'read' | 'write', offset: number, value: number, file = 'trace.log'): RegionAccess => ({region: 'common', op, offset, size: 2, value, src: {file, line}, addr: 0xfe000000 + offset, bar: 4})
  const queues = (accesses: RegionAccess[], st = LINUX_OK) => kernelQueues(device({status: st, accesses}))

  it('the vector: the first written, its source, and the first read after it', () => {
    const q = queues([common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'read', 0x1a, 9), common(105, 'write', 0x1a, 3), common(106, 'read', 0x1a, 0xffff), common(107, 'write', 0x1a, 4), common(108, 'read', 0x1a, 4)])
    expect(q).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 64, vector: {written: 3, source: 'trace.log:105', readBack: 0xffff}}]})
  })

  it('a second vector write is not the read-back of the first', () => {
    const q = queues([common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'write', 0x1a, 3), common(105, 'write', 0x1a, 4)])
    expect(q).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 64, vector: {written: 3, source: 'trace.log:104'}}]})
  })

  it('a vector written and never read back', () => {
    expect(queues([common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'write', 0x1a, 0)])).toStrictEqual({
      numQueues: 1,
      queues: [{index: 0, size: 64, vector: {written: 0, source: 'trace.log:104'}}],
    })
  })

  it('the first num_queues read counts; writes of num_queues or reads of queue_select do not select or count', () => {
    const q = queues([common(101, 'write', 0x12, 7), common(102, 'read', 0x16, 5), common(103, 'read', 0x12, 2), common(104, 'read', 0x12, 6), common(105, 'write', 0x16, 1), common(106, 'read', 0x18, 32)])
    expect(q).toStrictEqual({numQueues: 2, queues: [{index: 1, size: 32}]})
  })

  it('queue_enable and queue_notify_off writes are not the device\'s values; a non-zero enable is true', () => {
    const q = queues([common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'write', 0x1c, 1), common(105, 'write', 0x1e, 5), common(106, 'read', 0x1c, 2), common(107, 'read', 0x1e, 6)])
    expect(q).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 64, enabled: true, notifyOff: 6}]})
    // The enable written before the first read: the read (0) is the device's value.
    const writtenFirst = queues([common(101, 'read', 0x12, 1), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'write', 0x1c, 1), common(105, 'read', 0x1c, 0)])
    expect(writtenFirst).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 64, enabled: false}]})
  })

  it('reads of other queue registers (queue_desc) are not queue_notify_off; a read of queue_select does not select', () => {
    const q = queues([common(101, 'read', 0x12, 2), common(102, 'write', 0x16, 0), common(103, 'read', 0x18, 64), common(104, 'read', 0x20, 0x1234), common(105, 'read', 0x1e, 3), common(106, 'read', 0x16, 1), common(107, 'read', 0x18, 32)])
    expect(q).toStrictEqual({numQueues: 2, queues: [{index: 0, size: 64, notifyOff: 3}]})
  })

  it('accesses at the reset line count, before it or in another input do not', () => {
    // LINUX_OK resets at line 100.
    expect(queues([common(99, 'read', 0x12, 9), common(100, 'read', 0x12, 1), common(101, 'write', 0x16, 0), common(102, 'read', 0x18, 8)])).toStrictEqual({numQueues: 1, queues: [{index: 0, size: 8}]})
    expect(queues([common(101, 'read', 0x12, 9, 'other.log'), common(102, 'read', 0x12, 1)])).toStrictEqual({numQueues: 1, queues: []})
  })

  it('a registration at the very first status event (index 0) counts', () => {
    expect(queues([common(2, 'read', 0x12, 1)], [status(1, 0), status(2, 1)])).toStrictEqual({numQueues: 1, queues: []})
  })
})
