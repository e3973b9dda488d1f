/**
 * aarch64 `virt`: I/O BARs are reached through the generic ECAM host bridge's I/O window (CPU
 * 0x3eff0000.. -> PCI I/O 0..), which only the kernel's host-bridge lines in dmesg tell. On the real
 * arm64 captures of traces/ (k*-virt-*), every I/O access is attributed through that window, whichever
 * order the trace and the dmesg are given in, and every device agrees with the kernel.
 */
import {execFileSync} from 'node:child_process'
import {createReadStream, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {afterAll, describe, expect, it} from 'vitest'
import Replay from '../../src/commands/replay.js'
import {buildEvidence} from '../../src/evidence/build.js'
import {parseHostBridgeIoWindow} from '../../src/ingest/kmsg-lines.js'
import {runCli} from '../helpers/run-cli.js'

const ARM64_CASES = readdirSync('traces').filter((c) => /^k[\d.]+-virt-/.test(c)).sort()
const WINDOW_LINE = /pci-host-generic \S+: +IO 0x/

interface ReplayDevice {
  bdf: string
  pci: {vendorId: string; deviceId: string}
  predicted: {transport: string}
  observed?: {transport: string}
  verdict: string
}

async function replay(args: string[]): Promise<{devices: ReplayDevice[]; warnings: {code: string; message: string}[]}> {
  const r = await runCli(Replay, [...args, '--json'])
  expect(r.exitCode, r.stderr).toBeLessThan(2)
  return JSON.parse(r.stdout) as {devices: ReplayDevice[]; warnings: {code: string; message: string}[]}
}

describe('the host bridge I/O window line', () => {
  it('is read from the real 6.1 and 6.12 dmesg of every arm64 case', () => {
    expect(ARM64_CASES.length).toBeGreaterThanOrEqual(8)
    for (const name of ARM64_CASES) {
      const line = readFileSync(`traces/${name}/dmesg.txt`, 'utf8').split('\n').find((l) => WINDOW_LINE.test(l))
      expect(line, name).toBeDefined()
      const text = (line as string).replace(/^\[[^\]]*\] /, '')
      expect(parseHostBridgeIoWindow(text)).toEqual({bridge: '4010000000.pcie', cpuStart: 0x3eff0000, cpuEnd: 0x3effffff, busStart: 0})
    }
  })

  it('takes the older kernels\' 10-digit form and nothing but I/O ranges', () => {
    expect(parseHostBridgeIoWindow('pci-host-generic 3f000000.pcie:    IO 0x3eff0000..0x3effffff -> 0x00001000')).toMatchObject({cpuStart: 0x3eff0000, busStart: 0x1000})
    expect(parseHostBridgeIoWindow('pci-host-generic 4010000000.pcie:      MEM 0x0010000000..0x003efeffff -> 0x0010000000')).toBeUndefined()
    expect(parseHostBridgeIoWindow('pci-host-generic 4010000000.pcie:       IO 0x003effffff..0x003eff0000 -> 0x0000000000')).toBeUndefined()
    expect(parseHostBridgeIoWindow('pci_bus 0000:00: root bus resource [io  0x0000-0xffff]')).toBeUndefined()
  })
})

describe.each(ARM64_CASES)('%s (real aarch64 virt capture)', (name) => {
  const dir = `traces/${name}`

  it('every virtio device agrees with the kernel, its transport observed, and no access lies in no BAR', async () => {
    const out = await replay([`${dir}/trace.log.gz`, '--dmesg', `${dir}/dmesg.txt`])
    const virtio = out.devices.filter((d) => d.pci.vendorId === '0x1af4')
    expect(virtio.length).toBeGreaterThan(0)
    for (const d of virtio) {
      expect([d.bdf, d.verdict]).toEqual([d.bdf, 'agree'])
      expect([d.bdf, d.observed?.transport]).toEqual([d.bdf, d.predicted.transport])
    }
    expect(out.warnings.filter((w) => w.code.startsWith('region-'))).toEqual([])
  })

  it('attributes the same I/O accesses whether the dmesg comes before or after the trace', async () => {
    const accesses = async (paths: string[]) =>
      (await buildEvidence(paths.map((path) => ({path})), {})).devices.map((d) => [d.bdf, d.regionSummary.map((r) => `${r.region} ${r.reads}/${r.writes}`)])
    const after = await accesses([`${dir}/trace.log.gz`, `${dir}/dmesg.txt`])
    expect(after).toEqual(await accesses([`${dir}/dmesg.txt`, `${dir}/trace.log.gz`]))
    if (/legacy/.test(name)) expect(JSON.stringify(after)).toContain('legacy ')
  })
})

describe('an I/O window that comes too late to be used', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'io-window-'))
  afterAll(() => rmSync(scratch, {recursive: true, force: true}))

  it('without the dmesg, legacy I/O lies in no BAR (the window is nowhere in the trace)', async () => {
    const evidence = await buildEvidence([{path: 'traces/k6.12-virt-legacy-only/trace.log.gz'}], {})
    expect(evidence.warnings.find((w) => w.code === 'region-unmapped')?.message).toMatch(/access to 'virtio-pci' at 0x3eff\w+ lies in no BAR mapped so far/)
  })

  it('from inputs that cannot be read twice (a FIFO), is named with a hint instead of silently dropped', async () => {
    const fifo = join(scratch, 'trace.fifo')
    execFileSync('mkfifo', [fifo])
    const writing = pipeline(createReadStream('traces/k6.12-virt-legacy-only/trace.log.gz'), createWriteStream(fifo))
    const evidence = await buildEvidence([{path: fifo}, {path: 'traces/k6.12-virt-legacy-only/dmesg.txt'}], {})
    await writing
    const late = evidence.warnings.find((w) => w.code === 'io-window-late')
    expect(late?.message).toBe('the host bridge I/O window 0x3eff0000..0x3effffff comes after the I/O accesses it covers, and the inputs cannot be read again: give the dmesg before the trace')
    expect(late?.source?.file).toBe('traces/k6.12-virt-legacy-only/dmesg.txt')
    expect(evidence.warnings.map((w) => w.code)).toContain('region-unmapped')
  })
})
