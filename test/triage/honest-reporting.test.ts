/**
 * Triage says what it saw and asks only for what it lacks, on real inputs: pciutils 3.9 output from a
 * 6.1 guest (test/fixtures/ingest/lspci) and the k6.12-q35-root-port-legacy capture.
 */
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {renderTriageText} from '../../src/triage/report.js'
import {replayInputs} from '../../src/replay/replay.js'
import {type TriageReport, triageSession} from '../../src/triage/triage.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const lspci = `${root}test/fixtures/ingest/lspci/`
const legacyCase = `${root}traces/k6.12-q35-root-port-legacy/`

async function triage(paths: readonly string[], device: string, kernel?: string): Promise<TriageReport> {
  const session = await replayInputs(
    paths.map((p) => ({path: p, displayName: p.slice(p.lastIndexOf('/') + 1)})),
    {device, ...(kernel ? {kernel} : {})},
  )
  return triageSession(session)[0]!
}

describe('triage on an undetermined prediction', () => {
  it('dmesg alone: shows the probe line dmesg has and what the log says, never "printed no probe message"', async () => {
    const t = await triage([`${legacyCase}dmesg.txt`], '01:00.0')
    expect(t.device.predicted).toMatchObject({rc: 'undetermined', transport: 'undetermined'})
    expect(t.dmesg.printed).toEqual([{text: 'virtio-pci 0000:01:00.0: virtio_pci: leaving for legacy driver', source: 'dmesg.txt:306'}])
    expect(t.dmesg.says).toMatch(/^transport legacy \(registered after "leaving for legacy driver" \(dmesg\.txt:306\)\); probe returned 0: yes$/)
    const text = renderTriageText([t])
    expect(text).not.toContain('printed no virtio-pci probe message')
    expect(text).toContain('leaving for legacy driver')
    // The fix names the missing bytes and a dump that has them (no dump was given).
    expect(t.fix.side).toBe('evidence')
    expect(t.fix.sentence).toContain('Config bytes 0x0, 0x1, 0x2, 0x3: add `lspci -xxx` run as root, or the sysfs `config` file read as root')
    // The virtio driver failure is said as what it is.
    expect(t.fix.sentence).toContain('Then the virtio driver virtio_net failed its own probe with error -2')
  })

  it('an lspci -x dump (64 bytes): asks for the 256 bytes, saying the dump given is short', async () => {
    const t = await triage([`${lspci}lspci-x.txt`], '00:04.0', '6.1')
    expect(t.device.predicted.rc).toBe('undetermined')
    expect(t.fix.sentence).toMatch(/Config bytes 0x[0-9a-f]+.*: add `lspci -xxx` run as root, or the sysfs `config` file read as root \(the dump given has 64 bytes/)
  })

  it('an lspci -xxx dump without sizes: names the BAR fact and the inputs that carry it, not another dump', async () => {
    const t = await triage([`${lspci}lspci-xxx.txt`], '00:04.0', '6.1')
    expect(t.device.predicted.undeterminedBars).toEqual([4])
    expect(t.fix.sentence).toMatch(/^The outcome depends on facts no input shows\. BAR 4 size: add the sysfs `resource` file/)
    expect(t.fix.sentence).not.toMatch(/-xxx/)
  })
})

describe('triage of a virtio driver failing after the transport probe', () => {
  it('k6.12-q35-root-port-legacy: agree, the probe is fine, the driver failure named with its line', async () => {
    const t = await triage([`${legacyCase}trace.log.gz`, `${legacyCase}dmesg.txt`], '01:00.0')
    expect(t.verdict.kind).toBe('agree')
    expect(t.fix.side).toBe('none')
    expect(t.fix.sentence).toContain('Then the virtio driver virtio_net failed its own probe with error -2 (virtio_net virtio0: probe with driver virtio_net failed with error -2, dmesg.txt:366)')
    expect(renderTriageText([t])).not.toMatch(/did not register/)
  })
})
