/**
 * The observed side from the kernel log alone, on real guest logs (traces/*: Debian kernels under QEMU
 * 7.2, made by `probediff capture`), and the line parsers it rests on, on lines those guests printed.
 */
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import type {EvidenceSet} from '../../src/evidence/types.js'
import {bdfOfPathNetdevName, parseVirtioDeviceLine} from '../../src/ingest/kmsg-lines.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import {assessDevice, forceLegacyOf, profileOf} from '../../src/outcome/assess.js'
import {linkVirtioIndexes} from '../../src/outcome/log-observed.js'

const traces = fileURLToPath(new URL('../../traces/', import.meta.url))

const logOf = (name: string) => buildEvidence([{path: `${traces}${name}/dmesg.txt`, displayName: 'dmesg.txt'}], {})

function observedOf(set: EvidenceSet, bdf: string) {
  const dev = set.devices.find((d) => d.bdf === bdf)!
  return assessDevice(set, dev, linuxVirtioPci(profileOf(set)!), forceLegacyOf(set))
}

describe('virtio device lines', () => {
  it('reads the virtio index, the netdev name and a failed driver probe, in both driver-core forms', () => {
    // As 6.12 and 6.1 guests print them (the second: dd.c pr_warn up to 6.8, same fields).
    expect(parseVirtioDeviceLine('virtio_net virtio0: probe with driver virtio_net failed with error -2')).toEqual({
      driver: 'virtio_net',
      index: 0,
      rest: 'probe with driver virtio_net failed with error -2',
      probeError: -2,
    })
    expect(parseVirtioDeviceLine('virtio_net: probe of virtio1 failed with error -2')).toMatchObject({driver: 'virtio_net', index: 1, probeError: -2})
    expect(parseVirtioDeviceLine('virtio_blk virtio1: [vda] 2048 512-byte logical blocks (1.05 MB/1.00 MiB)')).toEqual({
      driver: 'virtio_blk',
      index: 1,
      rest: '[vda] 2048 512-byte logical blocks (1.05 MB/1.00 MiB)',
    })
    expect(parseVirtioDeviceLine('virtio_net virtio0 enp1s0: renamed from eth0')).toMatchObject({index: 0, netdev: 'enp1s0', rest: 'renamed from eth0'})
    expect(parseVirtioDeviceLine('virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver')).toBeUndefined()
  })

  it('path-based interface names name the PCI function; slot and onboard names do not', () => {
    expect(bdfOfPathNetdevName('enp0s3')).toBe('0000:00:03.0')
    expect(bdfOfPathNetdevName('enp1s0f1')).toBe('0000:01:00.1')
    expect(bdfOfPathNetdevName('enP2p0s3')).toBe('0002:00:03.0')
    expect(bdfOfPathNetdevName('enp0s31f6')).toBe('0000:00:1f.6')
    expect(bdfOfPathNetdevName('ens4')).toBeUndefined()
    expect(bdfOfPathNetdevName('eno1')).toBeUndefined()
    expect(bdfOfPathNetdevName('eth0')).toBeUndefined()
  })
})

describe('dmesg alone as the observed side (real guest logs)', () => {
  it('6.12, a legacy net behind a root port: legacy, registered, and its virtio driver failing after the probe', async () => {
    const set = await logOf('k6.12-q35-root-port-legacy')
    // The root port (1b36:000c) is no virtio-pci device: the net function is the only one, virtio0 the only index.
    expect(linkVirtioIndexes(set).get('0000:01:00.0')?.index).toBe(0)
    const {observed, verdict} = observedOf(set, '0000:01:00.0')
    expect(observed).toMatchObject({transport: 'legacy', acknowledged: true, driverOk: false})
    expect(observed!.acknowledgedKnown).toBeUndefined()
    expect(observed!.driverFailure).toMatchObject({driver: 'virtio_net', error: -2, line: 'virtio_net virtio0: probe with driver virtio_net failed with error -2'})
    // No config space in a log: the prediction is undetermined, and says so.
    expect(verdict.kind).toBe('undetermined')
  })

  it('5.10 legacy-only: legacy for every device (a revision mismatch would have printed the ABI line)', async () => {
    const set = await logOf('k5.10-pc-legacy-only')
    for (const bdf of ['0000:00:02.0', '0000:00:03.0', '0000:00:04.0']) {
      const o = observedOf(set, bdf).observed!
      expect({bdf, transport: o.transport, acknowledged: o.acknowledged}).toEqual({bdf, transport: 'legacy', acknowledged: true})
      expect(o.transportEvidence).toContain('no "expected ABI version" line')
    }
  })

  it('6.1 legacy-only: "leaving for legacy driver" alone does not make it legacy (6.1 declines revision != 0 silently)', async () => {
    const set = await logOf('k6.1-pc-legacy-only')
    const o = observedOf(set, '0000:00:02.0').observed!
    expect(o.transport).toBe('unknown')
    expect(o.acknowledgedKnown).toBe(false)
    expect(o.transportEvidence).toContain('the legacy probe declined silently (revision unknown, and this kernel declines a revision other than 0 silently)')
  })

  it('six devices and one virtio index: nothing is tied by guessing the order', async () => {
    const set = await logOf('k6.1-pc-transitional')
    expect(set.otherMessages.some((m) => parseVirtioDeviceLine(m.text)?.index === 1)).toBe(true)
    expect(linkVirtioIndexes(set).size).toBe(0)
    for (const d of set.devices.filter((x) => x.messages.some((m) => m.text.includes('[1af4:')))) {
      const {observed, verdict} = observedOf(set, d.bdf)
      expect(observed!.transport).toBe('unknown')
      expect(observed!.acknowledgedKnown).toBe(false)
      expect(verdict.kind).toBe('undetermined')
    }
  })

  it('lspci -k "Kernel driver in use: virtio-pci" says the probe returned 0; the log, with no "leaving" line, says modern', async () => {
    const set = await logOf('k6.1-pc-modern-only')
    const dev = set.devices.find((d) => d.bdf === '0000:00:02.0')!
    expect(assessDevice(set, dev, linuxVirtioPci(profileOf(set)!), false).observed!.acknowledgedKnown).toBe(false)
    // The fact set by hand, in the shape the lspci -k parser gives it (`Kernel driver in use: virtio-pci`).
    const bound = {...dev, kernelDriver: {name: 'virtio-pci', src: {file: 'lspci.txt', line: 12}}}
    const o = assessDevice(set, bound, linuxVirtioPci(profileOf(set)!), false).observed!
    expect(o).toMatchObject({transport: 'modern', acknowledged: true})
    expect(o.acknowledgedEvidence).toContain('Kernel driver in use: virtio-pci')
  })
})
