/**
 * The observed side and the verdict on a real capture whose virtio driver fails after the transport
 * probe (traces/k6.12-q35-root-port-legacy: a transitional net behind a q35 root port that forwards
 * no I/O, 6.12 guest): every field of the observed outcome, the bridge's reasons with their trace
 * lines, and the verdict's note, in full; then the same capture with one fact of the net function
 * changed (its BARs, the trace's region summaries), for each condition of the I/O check.
 */
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import type {BarEvidence, DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import {assessDevice, forceLegacyOf, profileOf} from '../../src/outcome/assess.js'
import {observe} from '../../src/outcome/observed.js'

const dir = fileURLToPath(new URL('../../traces/k6.12-q35-root-port-legacy/', import.meta.url))
const NET = '0000:01:00.0'
const FAILED = 'virtio_net virtio0: probe with driver virtio_net failed with error -2'
const LEAVING = `virtio-pci ${NET}: virtio_pci: leaving for legacy driver`
const VIRTIO0 = 'virtio0 exists (the only virtio-pci function of the inputs, and virtio0 the only virtio device in the log)'

/** The capture's evidence, built once per test file run (in the first test that asks: per-test
 * coverage then ties the evidence code to a test, not to the file's setup). Tests only read it. */
const built = new Map<boolean, Promise<EvidenceSet>>()
function evidenceOf(withTrace: boolean): Promise<EvidenceSet> {
  let set = built.get(withTrace)
  if (!set) {
    set = buildEvidence([...(withTrace ? [{path: `${dir}trace.log.gz`, displayName: 'trace.log'}] : []), {path: `${dir}dmesg.txt`, displayName: 'dmesg.txt'}], {})
    built.set(withTrace, set)
  }
  return set
}

async function assessNet(withTrace: boolean) {
  const set = await evidenceOf(withTrace)
  const dev = set.devices.find((d) => d.bdf === NET)!
  return assessDevice(set, dev, linuxVirtioPci(profileOf(set)!), forceLegacyOf(set))
}

describe('a virtio driver failing behind a bridge that forwards no I/O (real capture)', () => {
  it('trace and log: legacy per the log, the driver failure with the I/O BAR the root port does not forward', async () => {
    const {observed, verdict} = await assessNet(true)
    expect(observed).toStrictEqual({
      transport: 'legacy',
      acknowledged: true,
      driverOk: false,
      transportEvidence: 'registered after "leaving for legacy driver" (dmesg.txt:306) (the trace shows no reset-then-ACKNOWLEDGE status writes)',
      acknowledgedEvidence: VIRTIO0,
      driverFailure: {
        driver: 'virtio_net',
        error: -2,
        line: FAILED,
        source: 'dmesg.txt:366',
        ioUnreachable: {
          bar: 0,
          port: '0x1000',
          bridge: '0000:00:01.0',
          reasons: [
            'its command register has I/O decoding off (PCI_COMMAND_IO clear as read; the write setting it, trace.log:53512, did not stick) (trace.log:53562)',
            'its I/O window closed (base 0xf000 > limit 0xfff) as read; the write of the window, trace.log:53457, did not stick (trace.log:1001)',
          ],
          legacyRegistersReached: false,
        },
      },
      messages: [LEAVING],
      unattributedMessages: [],
    })
    expect(verdict).toStrictEqual({
      kind: 'agree',
      reason: `the probe succeeded; after it the virtio driver virtio_net failed its own probe with error -2 (${FAILED}, dmesg.txt:366): a driver failure, not a transport one; the device's I/O BAR 0 (port 0x1000) is not forwarded by the bridge 0000:00:01.0 above it`,
    })
  })

  it('the log alone: the same facts from the log, no BAR known so no bridge named, DRIVER_OK from the failure', async () => {
    const {observed, verdict} = await assessNet(false)
    expect(observed).toStrictEqual({
      transport: 'legacy',
      acknowledged: true,
      driverOk: false,
      transportEvidence: 'registered after "leaving for legacy driver" (dmesg.txt:306)',
      acknowledgedEvidence: VIRTIO0,
      driverFailure: {driver: 'virtio_net', error: -2, line: FAILED, source: 'dmesg.txt:366'},
      messages: [LEAVING],
      unattributedMessages: [],
    })
    expect(verdict).toStrictEqual({kind: 'undetermined', reason: 'prediction undetermined: the evidence lacks config bytes 0x0, 0x1, 0x2, 0x3'})
  })
})

describe('which I/O BAR the note names (the capture with one fact changed)', () => {
  /** The observed driver failure's ioUnreachable with the net function's BARs and region summaries replaced. */
  async function unreachableWith(change: (net: DeviceEvidence) => Partial<DeviceEvidence>, others: (d: DeviceEvidence) => DeviceEvidence = (d) => d) {
    const set = await evidenceOf(true)
    const variant = (d: DeviceEvidence): DeviceEvidence => (d.bdf === NET ? {...d, ...change(d)} : others(d))
    const changed: EvidenceSet = {...set, devices: set.devices.map(variant)}
    const net = changed.devices.find((d) => d.bdf === NET)!
    return observe(net, {kernelLog: true, otherMessages: changed.otherMessages, statusTraced: true, evidence: changed}).driverFailure!.ioUnreachable
  }
  const bar = (net: DeviceEvidence, i: number) => net.bars.find((b) => b.index === i)!
  const withBars = (net: DeviceEvidence, bars: Partial<Record<number, Partial<BarEvidence>>>) => ({bars: net.bars.map((b) => ({...b, ...bars[b.index]}))})

  it('the capture itself: BAR 0, the legacy registers never reached (memory events traced)', async () => {
    expect(await unreachableWith(() => ({}))).toMatchObject({bar: 0, port: '0x1000', legacyRegistersReached: false})
  })

  it('a memory BAR before the I/O BAR is passed over; an I/O BAR without an address or a size is not checked', async () => {
    expect(await unreachableWith((net) => withBars(net, {0: {...bar(net, 0), kind: 'mem'}, 2: {...bar(net, 0), index: 2}}))).toMatchObject({bar: 2, port: '0x1000'})
    expect(await unreachableWith((net) => withBars(net, {0: {addr: undefined}}))).toBeUndefined()
    expect(await unreachableWith((net) => withBars(net, {0: {size: 0}}))).toBeUndefined()
    expect(await unreachableWith((net) => withBars(net, {0: {size: undefined}}))).toBeUndefined()
  })

  it('no bridge above the function (moved to bus 0): no BAR is named', async () => {
    expect(await unreachableWith((net) => ({address: {...net.address, bus: 0}}))).toBeUndefined()
  })

  it('legacy registers reached when the trace has legacy accesses of the function; absent without memory events', async () => {
    const legacy = {region: 'legacy' as const, reads: 1, writes: 0, first: {file: 'trace.log', line: 1}}
    expect(await unreachableWith((net) => ({regionSummary: [...net.regionSummary, legacy]}))).toMatchObject({legacyRegistersReached: true})
    const none = await unreachableWith(() => ({regionSummary: []}), (d) => ({...d, regionSummary: []}))
    expect(none).toStrictEqual({
      bar: 0,
      port: '0x1000',
      bridge: '0000:00:01.0',
      reasons: [
        'its command register has I/O decoding off (PCI_COMMAND_IO clear as read; the write setting it, trace.log:53512, did not stick) (trace.log:53562)',
        'its I/O window closed (base 0xf000 > limit 0xfff) as read; the write of the window, trace.log:53457, did not stick (trace.log:1001)',
      ],
    })
    // The function itself not traced (its facts from a dump): whether its registers were reached is not said.
    const dump = await unreachableWith(() => ({traced: false}))
    expect(dump).toMatchObject({bar: 0, port: '0x1000', bridge: '0000:00:01.0'})
    expect(dump).not.toHaveProperty('legacyRegistersReached')
    // Another function's memory events count as memory events traced.
    expect(await unreachableWith(() => ({regionSummary: []}))).toMatchObject({legacyRegistersReached: false})
  })
})
