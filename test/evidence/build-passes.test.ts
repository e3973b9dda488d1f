/**
 * buildEvidence's second pass, in process and on one real capture (traces/k6.12-virt-legacy-only,
 * aarch64 `virt`, its legacy I/O reached through the host bridge's I/O window that only the dmesg
 * tells): with the dmesg after the trace, the inputs are read again knowing the window, when every one
 * of them can be (regular files, sysfs directories); a pipe or stdin cannot, and a warning says so.
 * host-bridge-io-window.test.ts runs every arm64 capture through the CLI; this file is the fast one.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {createReadStream, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {buildEvidence, type EvidenceInput} from '../../src/evidence/build.js'
import type {EvidenceSet} from '../../src/evidence/types.js'
import {WarningSink} from '../../src/util/errors.js'

const CASE = 'traces/k6.12-virt-legacy-only'
const TRACE = `${CASE}/trace.log.gz`
const DMESG = `${CASE}/dmesg.txt`
const LATE = 'the host bridge I/O window 0x3eff0000..0x3effffff comes after the I/O accesses it covers, and the inputs cannot be read again: give the dmesg before the trace'

const build = (paths: string[], warnings?: WarningSink) => buildEvidence(paths.map((path): EvidenceInput => ({path})), warnings ? {warnings} : {})
const regions = (e: EvidenceSet) => e.devices.map((d) => [d.bdf, d.regionSummary.map((r) => `${r.region} ${r.reads}/${r.writes}`)])
const codes = (e: EvidenceSet) => e.warnings.map((w) => `${w.code} ${w.count}`)
/** What the capture shows with the window known: every virtio function's legacy I/O. */
const ATTRIBUTED = [
  ['0000:00:00.0', []],
  ['0000:00:01.0', ['legacy 22/23', 'msix-table 6/16']],
  ['0000:00:02.0', ['legacy 52/13', 'msix-table 4/10']],
  ['0000:00:03.0', ['legacy 11/13', 'msix-table 4/10']],
]
const UNATTRIBUTED = ATTRIBUTED.map(([bdf, r]) => [bdf, (r as string[]).filter((s) => !s.startsWith('legacy'))])

describe('the dmesg after the trace, both regular files', () => {
  it('is read a second time knowing the window: the same accesses as with the dmesg first, and no warning from the first pass', async () => {
    const after = await build([TRACE, DMESG])
    expect(regions(after)).toEqual(ATTRIBUTED)
    expect(regions(await build([DMESG, TRACE]))).toEqual(ATTRIBUTED)
    expect(codes(after)).toEqual([])
  })

  it('with a sysfs directory among the inputs too (a directory can be read again)', async () => {
    const e = await build(['test/fixtures/ingest/sysfs/0000:00:04.0', TRACE, DMESG])
    expect(regions(e)).toEqual([...ATTRIBUTED, ['0000:00:04.0', []]])
    expect(codes(e)).toEqual([])
  })

  it('the warnings go to the sink given, once', async () => {
    const sink = new WarningSink()
    sink.warn('earlier', 'a warning the caller had already')
    const e = await build([TRACE, `${CASE}/lspci.txt`, DMESG], sink)
    expect(e.warnings).toEqual(sink.warnings)
    expect(e.warnings[0]).toMatchObject({code: 'earlier', count: 1})
    expect(e.warnings.filter((w) => w.code === 'region-unmapped')).toEqual([])
  })
})

describe('no window at all (the trace alone)', () => {
  it('one pass: its warnings kept, legacy I/O in no BAR', async () => {
    const sink = new WarningSink()
    const e = await build([TRACE], sink)
    expect(regions(e)).toEqual(UNATTRIBUTED)
    expect(codes(e)).toEqual(['region-unmapped 134'])
    expect(e.warnings).toEqual(sink.warnings)
  })
})

describe('inputs that cannot be read again', () => {
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!
  let opened = 0
  /** The capture on standard input, as `zcat trace.log.gz | probediff replay - --dmesg dmesg.txt` has it; a fresh stream each time, so that a second read would succeed if one were made. */
  const traceOnStdin = () => {
    opened = 0
    Object.defineProperty(process, 'stdin', {configurable: true, get: () => (opened++, createReadStream(TRACE))})
  }
  afterEach(() => Object.defineProperty(process, 'stdin', stdin))

  it('the trace on stdin and the dmesg after it: one pass, the late window named with its line and a hint', async () => {
    traceOnStdin()
    const e = await build(['-', DMESG])
    expect(opened).toBe(1)
    expect(regions(e)).toEqual(UNATTRIBUTED)
    expect(e.warnings.map((w) => [w.code, w.message, w.source])).toEqual([
      ['region-unmapped', "access to 'virtio-pci' at 0x3eff1092 lies in no BAR mapped so far: not attributed to a device", {file: '<stdin>', line: 802}],
      ['io-window-late', LATE, {file: DMESG, line: 175}],
    ])
  })

  it('the trace on stdin and no window: one pass, no late warning', async () => {
    traceOnStdin()
    const e = await build(['-'])
    expect(opened).toBe(1)
    expect(codes(e)).toEqual(['region-unmapped 134'])
  })

  describe('the dmesg from a pipe (`--dmesg <(ssh host dmesg)`)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'build-passes-'))
    const fifo = join(scratch, 'dmesg.fifo')
    execFileSync('mkfifo', [fifo])
    // A writer that would serve a second read too, so that reading the pipe again could not hang.
    let writer: ChildProcess | undefined
    afterAll(() => {
      writer?.kill()
      rmSync(scratch, {recursive: true, force: true})
    })

    it('one pass: the late window named, the legacy I/O left unattributed', async () => {
      writer = spawn('sh', ['-c', 'while :; do cat "$1" > "$2" || exit; done', 'sh', DMESG, fifo], {stdio: 'ignore'})
      const e = await build([TRACE, fifo])
      expect(regions(e)).toEqual(UNATTRIBUTED)
      expect(e.warnings.map((w) => [w.code, w.message, w.source?.file])).toEqual([
        ['region-unmapped', "access to 'virtio-pci' at 0x3eff1092 lies in no BAR mapped so far: not attributed to a device", TRACE],
        ['io-window-late', LATE, fifo],
      ])
    })
  })
})
