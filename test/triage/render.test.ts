/**
 * The triage renderings: text must fit an 80-column mailing-list email and carry no escape codes,
 * whatever the inputs hold (control characters in a device name, long evidence paths); Markdown must
 * hold the same facts as a table, escaped.
 */
import {describe, expect, it} from 'vitest'
import {renderTriageMarkdown, renderTriageText, TEXT_WIDTH, triageToJson} from '../../src/triage/report.js'
import type {TriageReport} from '../../src/triage/triage.js'
import {FAULT_CASES} from './fault-cases.js'
import {triageCase} from './triage-case.js'

// Any C0/C1 control character but the newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

function expectMailable(text: string): void {
  expect(text).not.toMatch(CONTROL)
  const long = text.split('\n').filter((l) => l.length > TEXT_WIDTH)
  expect(long, long.join('\n')).toEqual([])
}

const real = [
  await triageCase('k6.1-pc-legacy-only', '0000:00:03.0'),
  await triageCase('k6.1-pc-ivshmem', '0000:00:02.0'),
  await triageCase('k5.10-pc-force-legacy', '0000:00:04.0'),
]
const faults = await Promise.all(FAULT_CASES.map((c) => triageCase(c)))

/** A report whose input-derived strings are hostile: escapes in the device name, a very long path. */
function hostile(t: TriageReport): TriageReport {
  const longPath = `/home/someone/${'very-long-directory-name/'.repeat(6)}trace.log.gz:123456`
  const o = t.device.predicted
  return {
    ...t,
    device: {
      ...t.device,
      qemuDevice: 'virtio-net-pci\u001b]0;owned\u0007\u001b[2J\r\u009b31m,id=a-device-name-that-goes-on-and-on-and-on-for-more-than-eighty-columns',
      predicted: {...o, path: o.path.map((s) => ({...s, reads: s.reads.map((r) => ({...r, sources: [longPath, ...r.sources]}))}))},
    },
    ...(t.failure ? {failure: {...t.failure, message: `${t.failure.message ?? ''}\u001b[31m red\u0008`, reads: t.failure.reads.map((r) => ({...r, sources: [longPath]}))}} : {}),
  }
}

describe('text rendering', () => {
  it('fits 80 columns with no control characters, on every fault case and real capture', () => {
    for (const t of [...faults, ...real]) expectMailable(renderTriageText([t]))
    expectMailable(renderTriageText([...faults, ...real]))
  })

  it('stays within 80 columns and escapes everything when a device name carries control characters', () => {
    const missingNotify = faults[FAULT_CASES.indexOf('fault-missing-notify')]!
    for (const t of [hostile(missingNotify), hostile(real[0]!)]) {
      const text = renderTriageText([t])
      expectMailable(text)
      expect(text).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x9b31m')
      // The long path is cut, not dropped: its pieces are all there.
      expect(text.replace(/\n\s*/g, '')).toContain('very-long-directory-name/very-long-directory-name/')
    }
  })

  it('names the failing rule, the message, the bytes with their config offsets, and the fix', () => {
    const t = faults[FAULT_CASES.indexOf('fault-short-common')]!
    // Fields wrap with a 12-column hanging indent: join them back to check their whole text.
    const text = renderTriageText([t]).replace(/\n {12}/g, ' ')
    expect(text).toMatch(/^Failed {6}map_capability \(drivers\/virtio\/virtio_pci_modern\.c\): common: length - start < minlen$/m)
    expect(text).toMatch(/^Message {5}virtio-pci 0000:00:02\.0: virtio_pci: bad capability len 48 \(>=56 expected\)$/m)
    expect(text).toMatch(/^Read {8}cap@0x40\.length @0x4c = 0x30 \[0000:00:02\.0\/config#76-79\]$/m)
    expect(text).toMatch(/^dmesg {7}no kernel log in the inputs$/m)
    expect(text).toMatch(/^Fix {9}\(device\) The COMMON_CFG capability's length field is 48 bytes and Linux needs >=56;/m)
    expect(text).toContain('0x40 Vendor Specific COMMON_CFG (cfg_type 1) bar 4 offset 0x0 length 0x30')
  })

  it('tells a matched kernel line and the kernel saying nothing apart', () => {
    expect(renderTriageText([real[0]!])).toMatch(/^dmesg {7}virtio-pci 0000:00:03\.0: virtio_pci: leaving for legacy driver\n {12}\[dmesg\.txt:\d+\]$/m)
    expect(renderTriageText([real[1]!])).toMatch(/^dmesg {7}the kernel said nothing \(and the model predicts no message\)$/m)
  })
})

describe('markdown rendering', () => {
  it('has the device table, the failing check with escaped pipes, the reads and the hexdump block', () => {
    const t = faults[FAULT_CASES.indexOf('fault-missing-notify')]!
    const md = renderTriageMarkdown([t])
    expect(md).toContain('## 0000:00:02.0')
    expect(md).toContain('| Failed | vp\\_modern\\_probe: !isr \\|\\| !notify |')
    expect(md).toContain('| Message | virtio-pci 0000:00:02.0: virtio\\_pci: missing capabilities 64/80/0 |')
    expect(md).toContain('- `cap_ptr@0x85 @0x85 = 0x60  [0000:00:02.0/config#133]`')
    expect(md).toMatch(/\| Fix \(device\) \| .*NOTIFY\\_CFG/)
    expect(md).toMatch(/### Config space\n\n```\n[\s\S]+\n```/)
    expect(md).not.toMatch(CONTROL)
  })

  it('escapes control characters from inputs', () => {
    const md = renderTriageMarkdown([hostile(real[0]!)])
    expect(md).not.toMatch(CONTROL)
    expect(md).toContain('\\x1b]0;owned\\x07')
  })
})

describe('json rendering', () => {
  it('keeps the failing check and its reads for tools, without the evidence object', () => {
    const t = faults[FAULT_CASES.indexOf('fault-isr-len-zero')]!
    const json = JSON.parse(JSON.stringify(triageToJson([t]))) as {devices: {failure: {check: string; reads: {what: string}[]}; evidence?: unknown}[]}
    expect(json.devices[0]!.failure.check).toBe('map.len-le-start')
    expect(json.devices[0]!.failure.reads.map((r) => r.what)).toContain('cap@0x50.length')
    expect(json.devices[0]!.evidence).toBeUndefined()
  })
})
