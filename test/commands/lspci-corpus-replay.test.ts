/**
 * What a bug reporter can give is enough: for every real capture of the corpus, `replay lspci.txt
 * --dmesg dmesg.txt` (the guest's own `lspci -vvv -xxx -nn -k -D`, no trace) predicts what the
 * trace-based replay predicts, device by device, and its verdict is agree. The lspci.txt files are
 * real pciutils output from a second boot of each case's QEMU command (traces/README.md).
 * One exception, the same on both sides: ivshmem (1af4:1110) is rejected with a silent -ENODEV, and
 * neither the trace (no virtio device, so no status writes) nor lspci -k (no driver bound, but
 * nothing shows virtio-pci was loaded to offer it one) observes that, so its verdict is undetermined.
 */
import {existsSync, readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import Replay from '../../src/commands/replay.js'
import {runCli} from '../helpers/run-cli.js'

interface ReplayDevice {
  bdf: string
  pci: {vendorId: string; deviceId: string}
  predicted: {transport: string; rc: string; virtioDeviceId?: number; messages: string[]; mappings?: unknown[]; configOps?: string}
  verdict: string
}

const CASES = readdirSync('traces')
  .filter((c) => /^k\d/.test(c) && existsSync(`traces/${c}/lspci.txt`))
  .sort()

async function devices(args: string[]): Promise<ReplayDevice[]> {
  const r = await runCli(Replay, [...args, '--json'])
  expect(r.exitCode, r.stderr).toBeLessThan(2)
  return (JSON.parse(r.stdout) as {devices: ReplayDevice[]}).devices
}

const claim = (d: ReplayDevice) => ({
  bdf: d.bdf,
  transport: d.predicted.transport,
  rc: d.predicted.rc,
  virtioDeviceId: d.predicted.virtioDeviceId,
  messages: d.predicted.messages,
  mappings: d.predicted.mappings,
  configOps: d.predicted.configOps,
})

describe('replay lspci.txt --dmesg dmesg.txt on every real capture', () => {
  it('the corpus has real captures with lspci.txt', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(28)
  })

  it.each(CASES)('%s: same prediction as the trace, and the kernel agrees', async (name) => {
    const dir = `traces/${name}`
    const traced = (await devices([`${dir}/trace.log.gz`, '--dmesg', `${dir}/dmesg.txt`])).filter((d) => d.pci.vendorId === '0x1af4')
    const fromLspci = await devices([`${dir}/lspci.txt`, '--dmesg', `${dir}/dmesg.txt`])
    const byBdf = new Map(fromLspci.map((d) => [d.bdf, d]))
    expect(traced.length).toBeGreaterThan(0)
    for (const t of traced) {
      const l = byBdf.get(t.bdf)
      expect(l, `${name} ${t.bdf} missing from lspci.txt`).toBeDefined()
      expect(claim(l!)).toEqual(claim(t))
      const expected = t.pci.deviceId === '0x1110' ? 'undetermined' : 'agree'
      expect([t.bdf, t.verdict, l!.verdict]).toEqual([t.bdf, expected, expected])
    }
  })
})
