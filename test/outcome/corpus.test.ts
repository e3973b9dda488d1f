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
  if (caseName.endsWith('legacy-only')) return 'legacy'
  if (caseName.endsWith('force-legacy')) return qemuDevice === 'virtio-rng-pci' ? 'modern' : 'legacy'
  return 'modern'
}

describe('the shipped corpus of real captures', () => {
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
      expect({bdf: d.bdf, verdict: v.kind, reason: v.reason}).toEqual({bdf: d.bdf, verdict: 'agree', reason: undefined})
      expect({bdf: d.bdf, transport: p.transport}).toEqual({bdf: d.bdf, transport: expectedTransport(name, d.qemuDevice ?? '')})
      if (name.endsWith('legacy-only')) expect(p.messages).toEqual([`virtio-pci ${d.bdf}: virtio_pci: leaving for legacy driver`])
      else expect(p.messages).toEqual([])
      // setup_vq: every queue the driver set up gets its notify address without a message.
      if (p.transport === 'modern' && !name.includes('cfgonly')) {
        expect(setupVq?.length).toBeGreaterThan(0)
        expect(setupVq!.filter((q) => q.rc !== '0' || q.messages.length > 0)).toEqual([])
      }
    }
  })
})
