/** `probediff triage CASE`: a corpus case name brings its own replay settings (profile, force_legacy). */
import {describe, expect, it} from 'vitest'
import Triage from '../../src/commands/triage.js'
import {runCli} from '../helpers/run-cli.js'

describe('probediff triage on a fault case', () => {
  it('replays with the profile case.json gives (5.10 prints the ABI message)', async () => {
    const r = await runCli(Triage, ['fault-legacy-revision-5.10', '--output', 'json'])
    expect(r.exitCode).toBe(0)
    const json = JSON.parse(r.stdout) as {devices: {device: {kernel: string}; failure: {check: string; message?: string}}[]}
    expect(json.devices).toHaveLength(1)
    expect(json.devices[0]!.device.kernel).toBe('5.10')
    expect(json.devices[0]!.failure).toMatchObject({check: 'legacy.revision', message: 'virtio_pci: expected ABI version 0, got 1'})
  })

  it('--kernel overrides it (6.1 is silent) and the text names the rule', async () => {
    const r = await runCli(Triage, ['fault-legacy-revision-5.10', '--kernel', '6.1'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout.replace(/\n {12}/g, ' ')).toMatch(/^Failed {6}vp_legacy_probe \(drivers\/virtio\/virtio_pci_legacy_dev\.c\): revision != VIRTIO_PCI_ABI_VERSION \(0\)$/m)
    expect(r.stdout).toContain('Read        PCI_REVISION_ID @0x8 = 0x1 [0000:00:03.0/config#8]')
    expect(r.stdout).not.toMatch(/^Message /m)
  })
})

describe('--kernel: a release replays with its own rules; outside the modelled range is an error', () => {
  it('5.19.0 is replayed at 5.19.0 (not with the 5.10 rules), and says so', async () => {
    const r = await runCli(Triage, ['fault-legacy-revision-5.10', '--kernel', '5.19.0', '--output', 'json'])
    expect(r.exitCode).toBe(0)
    const json = JSON.parse(r.stdout) as {devices: {device: {kernel: string; predicted: {kernel: {version: string; selection: string}}}}[]}
    expect(json.devices[0]!.device.kernel).toBe('5.19')
    expect(json.devices[0]!.device.predicted.kernel).toMatchObject({version: '5.19.0', selection: '5.19.0: rules at 5.19.0 (no 5.19 profile: rule table)'})
  })

  it('4.19.0 is a usage error naming the range (exit 2, one line)', async () => {
    const r = await runCli(Triage, ['fault-legacy-revision-5.10', '--kernel', '4.19.0'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('--kernel 4.19.0: outside the modelled range 5.4 to 7.3.x')
  })
})
