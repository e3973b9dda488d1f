/**
 * End to end on the shipped corpus of real captures (traces/: Debian 5.10, 6.1 and 6.12 under QEMU
 * 7.2): evidence -> model (profile from the captured `Linux version` line, force_legacy from the
 * command line) -> observed side -> verdict. Every virtio-pci function must agree, and the model must
 * predict what each case was built to show.
 */
import {existsSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {linuxVirtioPci} from '../../src/model/driver.js'
import {assessDevice, forceLegacyOf, profileOf} from '../../src/outcome/assess.js'

const root = fileURLToPath(new URL('../../traces/', import.meta.url))
const cases = existsSync(root) ? readdirSync(root).filter((n) => /^k\d/.test(n)) : []

/** What each kind of case is built to show, by QEMU device type. */
function expectedTransport(caseName: string, qemuDevice: string): string {
  if (qemuDevice.startsWith('ivshmem')) return 'none'
  if (caseName.endsWith('legacy-only') || caseName.endsWith('root-port-legacy')) return 'legacy'
  if (caseName.endsWith('force-legacy')) return qemuDevice === 'virtio-rng-pci' ? 'modern' : 'legacy'
  // aarch64 virt's root-port case puts a legacy-only rng behind its third root port.
  if (caseName.endsWith('-virt-root-port') && qemuDevice === 'virtio-rng-pci') return 'legacy'
  return 'modern'
}

describe('the shipped corpus of real captures', () => {
  const evidenceOf = (dir: string, keep: (f: string) => boolean) =>
    buildEvidence(
      readdirSync(dir)
        .filter(keep)
        .map((f) => ({path: `${dir}/${f}`, displayName: f})),
      {},
    )

  it.each(cases)('%s: dmesg alone, as the observed side, agrees with the trace on every fact both determine', async (name) => {
    const dir = `${root}${name}`
    const full = await evidenceOf(dir, (f) => f.startsWith('trace.') || f === 'dmesg.txt')
    const logOnly = await evidenceOf(dir, (f) => f === 'dmesg.txt')
    const profile = profileOf(full)!
    const forceLegacy = forceLegacyOf(full)
    let determined = 0
    for (const d of full.devices.filter((x) => x.traced)) {
      const fromLog = logOnly.devices.find((x) => x.bdf === d.bdf)
      if (!fromLog) continue
      const traced = assessDevice(full, d, linuxVirtioPci(profile), forceLegacy).observed!
      const logged = assessDevice(logOnly, fromLog, linuxVirtioPci(profile), forceLegacy).observed!
      if (logged.transport !== 'unknown' && traced.transport !== 'unknown') {
        expect({bdf: d.bdf, transport: logged.transport, why: logged.transportEvidence}).toEqual({bdf: d.bdf, transport: traced.transport, why: logged.transportEvidence})
        determined++
      }
      if (logged.acknowledgedKnown !== false && traced.acknowledgedKnown !== false) {
        expect({bdf: d.bdf, registered: logged.acknowledged}).toEqual({bdf: d.bdf, registered: traced.acknowledged})
      }
      if (logged.driverOkKnown !== false) expect({bdf: d.bdf, driverOk: logged.driverOk}).toEqual({bdf: d.bdf, driverOk: traced.driverOk})
      expect(logged.messages).toEqual(traced.messages)
    }
    // The legacy-only captures of 5.10 (revision known from the missing ABI line) decide the transport.
    if (name.startsWith('k5.10-') && name.endsWith('legacy-only')) expect(determined).toBeGreaterThan(0)
  })

  it('has the cases of all three Debian kernels', () => {
    expect(cases.length).toBeGreaterThanOrEqual(27)
    for (const series of ['k5.10-', 'k6.1-', 'k6.12-']) expect(cases.some((c) => c.startsWith(series))).toBe(true)
  })

  it.each(cases)('%s: every virtio-pci function agrees with the model', async (name) => {
    const dir = `${root}${name}`
    const inputs = readdirSync(dir).filter((f) => f.startsWith('trace.') || f === 'dmesg.txt')
    const ev = await buildEvidence(
      inputs.map((f) => ({path: `${dir}/${f}`, displayName: f})),
      {},
    )
    const profile = profileOf(ev)!
    expect(profile.name).toBe(name.slice(1).split('-')[0])
    const forceLegacy = forceLegacyOf(ev)
    expect(forceLegacy).toBe(name.includes('force-legacy'))
    const assessed = ev.devices.map((d) => ({d, ...assessDevice(ev, d, linuxVirtioPci(profile), forceLegacy)}))
    const virtio = assessed.filter((a) => a.result.predicted.driverMatched)
    expect(virtio.length).toBeGreaterThan(0)
    for (const {d, result, verdict: v, setupVq} of virtio) {
      const p = result.predicted
      if (d.qemuDevice?.startsWith('ivshmem')) {
        // Not a virtio device: no virtio status events at all, so the trace cannot show that nothing
        // was registered, and -ENODEV is never printed. Agreement would claim more than was seen.
        expect({bdf: d.bdf, verdict: v.kind, missing: v.notCompared?.map((m) => m.split(' (')[0])}).toEqual({
          bdf: d.bdf,
          verdict: 'undetermined',
          missing: ['transport', 'whether the probe returned 0'],
        })
      } else if (name.endsWith('root-port-legacy')) {
        // The legacy probe succeeds, then virtio_net fails its own probe: agree, saying what failed.
        expect({bdf: d.bdf, verdict: v.kind}).toEqual({bdf: d.bdf, verdict: 'agree'})
        expect(v.reason).toMatch(/^the probe succeeded; after it the virtio driver virtio_net failed its own probe with error -2 .*: a driver failure, not a transport one$/)
      } else expect({bdf: d.bdf, verdict: v.kind, reason: v.reason}).toEqual({bdf: d.bdf, verdict: 'agree', reason: undefined})
      expect({bdf: d.bdf, transport: p.transport}).toEqual({bdf: d.bdf, transport: expectedTransport(name, d.qemuDevice ?? '')})
      // A legacy-only device (no modern capabilities) is left for the legacy driver, with its message.
      const legacyOnly = expectedTransport(name, d.qemuDevice ?? '') === 'legacy' && !name.endsWith('force-legacy')
      if (legacyOnly) expect(p.messages).toEqual([`virtio-pci ${d.bdf}: virtio_pci: leaving for legacy driver`])
      else expect(p.messages).toEqual([])
      // setup_vq: every queue the driver set up gets its notify address without a message.
      if (p.transport === 'modern' && !name.includes('cfgonly')) {
        expect(setupVq?.length).toBeGreaterThan(0)
        expect(setupVq!.filter((q) => q.rc !== '0' || q.messages.length > 0)).toEqual([])
      }
    }
  })
})
