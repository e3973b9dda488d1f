/**
 * Input text is decoded as UTF-8, and control characters from inputs never reach a terminal or a
 * JSON consumer raw. The input is a real QEMU trace (test/fixtures/ingest/qemu-log) with its device
 * name rewritten (to UTF-8 text, C1 and ESC controls, an invalid byte): generated mutations.
 */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import Ingest from '../../src/commands/ingest.js'
import {runCli} from '../helpers/run-cli.js'

const REAL = 'test/fixtures/ingest/qemu-log/qemu72-tid-memops.log'

function mutated(from: string, to: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'probediff-esc-')), 'trace.log')
  const text = readFileSync(REAL)
  const parts = text.toString('latin1').split(from)
  expect(parts.length).toBeGreaterThan(1)
  writeFileSync(file, Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [Buffer.from(p, 'latin1')] : [to, Buffer.from(p, 'latin1')]))))
  return file
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

describe('UTF-8 input text', () => {
  it('a UTF-8 device name shows as written, an invalid byte as \\xNN', async () => {
    const file = mutated('virtio-blk-pci', Buffer.concat([Buffer.from('virtio-nét-pci'), Buffer.from([0xff])]))
    const text = await runCli(Ingest, [file])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toContain('virtio-nét-pci\\xff')
    expect(text.stdout).not.toContain('Ã')
    const json = await runCli(Ingest, [file, '--json'])
    const devices = (JSON.parse(json.stdout) as {devices: {qemuDevice?: string}[]}).devices
    expect(devices.map((d) => d.qemuDevice)).toContain('virtio-nét-pci\\xff')
  })
})

describe('control characters from inputs', () => {
  const file = mutated('virtio-blk-pci', Buffer.from('virtio-\u009b[2J\u001b]0;x\u0007\u007fblk', 'utf8'))

  it('--json escapes DEL and C1 (\\u009b), not only C0', async () => {
    const r = await runCli(Ingest, [file, '--json'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toMatch(RAW_CONTROL)
    expect(r.stdout).toContain('\\u009b[2J')
    const devices = (JSON.parse(r.stdout) as {devices: {qemuDevice?: string}[]}).devices
    expect(devices.map((d) => d.qemuDevice)).toContain('virtio-\u009b[2J\u001b]0;x\u0007\u007fblk')
  })

  it('text output shows them as \\xNN', async () => {
    const r = await runCli(Ingest, [file])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toMatch(RAW_CONTROL)
    expect(r.stdout).toContain('virtio-\\x9b[2J\\x1b]0;x\\x07\\x7fblk')
  })
})
