/**
 * End to end on real lspci output of this host's five virtio-pci devices (pciutils 3.9.0, kernel
 * 6.18; test/fixtures/ingest/lspci/README.md): verbose text with hex is enough for a determined
 * prediction, and a -vvv file beside a -xxx file of the same devices merges instead of aborting.
 */
import {describe, expect, it} from 'vitest'
import Replay from '../../src/commands/replay.js'
import {runCli} from '../helpers/run-cli.js'

const lspci = (name: string) => `test/fixtures/ingest/lspci/${name}`

interface ReplayDevice {
  bdf: string
  predicted: {transport: string; rc: string; undeterminedBars?: number[]; undeterminedOffsets?: number[]}
}

async function replayJson(...files: string[]): Promise<{code: number; devices: ReplayDevice[]; stderr: string}> {
  const r = await runCli(Replay, [...files.map(lspci), '--kernel', '6.12', '--json'])
  return {code: r.exitCode, devices: (JSON.parse(r.stdout) as {devices: ReplayDevice[]}).devices, stderr: r.stderr}
}

const VIRTIO = ['0000:00:01.0', '0000:00:02.0', '0000:00:03.0', '0000:00:04.0', '0000:00:05.0']

describe('replay on real lspci text', () => {
  it('lspci -vvv -xxx -nn -k -D: every device determined (modern, rc 0), no BAR facts missing', async () => {
    const {code, devices} = await replayJson('host-vvv-xxx-nn-k-D.txt')
    expect(code).toBe(0)
    const virtio = devices.filter((d) => VIRTIO.includes(d.bdf))
    expect(virtio.map((d) => [d.bdf, d.predicted.transport, d.predicted.rc])).toEqual(VIRTIO.map((b) => [b, 'modern', '0']))
  })

  it('256 bytes of hex with lspci Region sizes is never undetermined for lack of BAR facts', async () => {
    for (const file of ['host-vvv-xxx-nn-k-D.txt', 'host-prompt-crlf.txt', 'host-typescript.txt', 'lspci-D-vvv-xxx.txt']) {
      const {devices} = await replayJson(file)
      for (const d of devices) expect([file, d.bdf, d.predicted.undeterminedBars ?? []]).toEqual([file, d.bdf, []])
    }
  })

  it('a -vvv file and a -xxx file of the same devices merge per BDF (was: exit 2, "no lspci hex dump")', async () => {
    const merged = await replayJson('host-vvv.txt', 'host-xxx.txt')
    expect(merged.code).toBe(0)
    expect(merged.devices.filter((d) => VIRTIO.includes(d.bdf)).every((d) => d.predicted.transport === 'modern' && d.predicted.rc === '0')).toBe(true)
    // Each alone stays undetermined, naming what is missing: the hex lacks BAR sizes, the text the chain.
    const hexOnly = await replayJson('host-xxx.txt')
    expect(hexOnly.devices.find((d) => d.bdf === '0000:00:03.0')!.predicted.undeterminedBars).toEqual([0])
    const textOnly = await replayJson('host-vvv.txt')
    expect(textOnly.code).toBe(0)
    expect(textOnly.devices.find((d) => d.bdf === '0000:00:03.0')!.predicted.rc).toBe('undetermined')
  })
})
