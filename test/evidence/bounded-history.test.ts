/**
 * Long traces keep bounded per-device histories (status changes, region accesses) without changing
 * what the outcome reads from them. Input: a real capture (traces/k6.1-pc-transitional, QEMU 7.2,
 * six virtio devices) concatenated with itself, as a trace of many boots of the same machine is.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {DeviceState, REGION_ACCESS_CAP, RESET_SLACK, STATUS_CAP, STATUS_HEAD} from '../../src/evidence/device-state.js'
import {kernelRegistration} from '../../src/evidence/registration.js'
import type {EvidenceSet} from '../../src/evidence/types.js'
import {replayEvidence} from '../../src/replay/replay.js'
import {evidenceToJson, renderIngest} from '../../src/report/ingest-report.js'
import {WarningSink} from '../../src/util/errors.js'

const CAPTURE = fileURLToPath(new URL('../../traces/k6.1-pc-transitional/trace.log.gz', import.meta.url))
/** Enough boots for every virtio device to pass the status cap (19 to 24 changes per boot). */
const COPIES = 14

describe('a real capture concatenated 14 times', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probediff-bounded-'))
  const one = join(dir, 'one.log')
  const many = join(dir, 'many.log')
  let lines: number
  let single: EvidenceSet
  let long: EvidenceSet
  beforeAll(async () => {
    const boot = gunzipSync(readFileSync(CAPTURE))
    lines = boot.toString('latin1').split('\n').length - 1
    writeFileSync(one, boot)
    writeFileSync(many, Buffer.concat(Array.from({length: COPIES}, () => boot)))
    single = await buildEvidence([{path: one, displayName: 'trace.log'}], {})
    long = await buildEvidence([{path: many, displayName: 'trace.log'}], {})
  }, 120_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  /** A source line of the last copy, as the same line of the first. */
  const firstCopy = (text: string) => text.replace(/trace\.log:(\d+)/g, (_, n: string) => `trace.log:${Number(n) > lines * (COPIES - 1) ? Number(n) - lines * (COPIES - 1) : `first-copy-${n}`}`)

  it('the model-vs-kernel outcome is that of the last boot alone, device by device', () => {
    const a = replayEvidence(single, {kernel: '6.1'}).devices
    const b = replayEvidence(long, {kernel: '6.1'}).devices
    expect(b.map((d) => d.bdf)).toEqual(a.map((d) => d.bdf))
    expect(a.length).toBe(6)
    for (let i = 0; i < a.length; i++) {
      expect(firstCopy(JSON.stringify(b[i]!.observed))).toBe(JSON.stringify(a[i]!.observed))
      expect(b[i]!.verdict).toBe(a[i]!.verdict)
      expect(a[i]!.observed?.transport).toBe('modern')
    }
  })

  it('status changes: the first ones and the last boot kept, the rest counted; ACKNOWLEDGE and DRIVER_OK of all', () => {
    for (const d of long.devices.filter((x) => x.status.length > 0)) {
      const all = single.devices.find((x) => x.bdf === d.bdf)!.status.length * COPIES
      expect(all).toBeGreaterThan(STATUS_CAP)
      const omitted = (d.statusOmitted ?? []).reduce((n, g) => n + g.count, 0)
      expect(d.status.length + omitted).toBe(all)
      expect(d.status.length).toBeLessThanOrEqual(STATUS_CAP + RESET_SLACK)
      expect(d.statusOmitted?.[0]?.before).toBe(STATUS_HEAD)
      // The start is the first boot's, the registration the last boot's.
      const first = single.devices.find((x) => x.bdf === d.bdf)!
      expect(d.status.slice(0, 3)).toEqual(first.status.slice(0, 3))
      const reg = kernelRegistration(d.status)
      expect(d.status[reg]!.src.line! - lines * (COPIES - 1)).toBe(first.status[kernelRegistration(first.status)]!.src.line)
      expect({acknowledged: d.acknowledged, driverOk: d.driverOk}).toEqual({acknowledged: first.acknowledged, driverOk: first.driverOk})
    }
  })

  it('region accesses: bounded, every one counted in the summary, those not kept counted as omitted', () => {
    const busy = long.devices.find((d) => d.bdf === '0000:00:06.0')!
    const total = busy.regionSummary.reduce((n, r) => n + r.reads + r.writes, 0)
    expect(total).toBeGreaterThan(REGION_ACCESS_CAP)
    for (const d of long.devices) {
      expect(d.regionAccesses.length).toBeLessThanOrEqual(REGION_ACCESS_CAP + RESET_SLACK)
      const seen = d.regionSummary.reduce((n, r) => n + r.reads + r.writes, 0)
      expect(d.regionAccesses.length + (d.omittedRegionAccesses ?? 0)).toBe(seen)
    }
  })

  it('ingest says where status changes were left out, in text and JSON', () => {
    const text = renderIngest(long)
    expect(text).toMatch(/^ {4}\.\.\. \d+ status changes not kept$/m)
    expect(renderIngest(single)).not.toContain('not kept')
    const json = evidenceToJson(long) as {devices: {bdf: string; statusOmitted?: {before: number; count: number}[]}[]}
    expect(json.devices.find((d) => d.bdf === '0000:00:02.0')!.statusOmitted?.[0]?.before).toBe(STATUS_HEAD)
    expect((evidenceToJson(single) as {devices: object[]}).devices.every((d) => !('statusOmitted' in d) || (d as {statusOmitted?: unknown}).statusOmitted === undefined)).toBe(true)
  })
})

describe('DeviceState status bound, beyond the real capture (generated sequences)', () => {
  const state = () => new DeviceState({domain: 0, bus: 0, slot: 3, func: 0}, () => {})
  const change = (seq: number, val: number, cause: 'status-write' | 'command-write' | 'qemu' = 'status-write') => ({val, src: {file: 't', line: seq}, cause, seq})

  it('no registration at all: the first changes are kept, the later ones counted at the end', () => {
    const d = state()
    for (let i = 1; i <= STATUS_CAP + 10; i++) d.addStatus(change(i, 3, 'qemu'))
    const e = d.toEvidence(new WarningSink(), true)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP, count: 10}])
    expect(e.acknowledged).toBe(true)
  })

  it('a full history still takes in a new registration whole, and then drops what came before it', () => {
    const d = state()
    let seq = 0
    d.addStatus(change(++seq, 0))
    d.addStatus(change(++seq, 1))
    for (let i = 0; i < STATUS_CAP + RESET_SLACK; i++) d.addStatus(change(++seq, 3, 'command-write'))
    const reset = ++seq
    d.addStatus(change(reset, 0))
    d.addStatus(change(++seq, 1))
    d.addStatus(change(++seq, 15))
    const e = d.toEvidence(new WarningSink(), true)
    const reg = kernelRegistration(e.status)
    expect(e.status[reg]!.src.line).toBe(reset)
    expect(e.status.slice(reg).map((s) => s.val)).toEqual([0, 1, 15])
    expect(e.status.slice(0, 2).map((s) => s.val)).toEqual([0, 1])
    const omitted = (e.statusOmitted ?? []).reduce((n, g) => n + g.count, 0)
    expect(e.status.length + omitted).toBe(seq)
    expect(e.statusOmitted?.[0]?.before).toBe(STATUS_HEAD)
    expect(e.driverOk).toBe(true)
  })

  it('region accesses after a reset that may start a registration get room beyond the cap', () => {
    const d = state()
    const access = (line: number) => ({region: 'common' as const, op: 'read' as const, offset: 0x14, size: 1, value: 0, src: {file: 't', line}, addr: 0, bar: 4})
    d.addStatus(change(1, 0))
    d.addStatus(change(2, 1))
    for (let i = 0; i < REGION_ACCESS_CAP; i++) d.addRegionAccess(access(10 + i), 10 + i)
    const reset = 100_000
    d.addStatus(change(reset, 0))
    d.addRegionAccess(access(reset + 1), reset + 1)
    d.addStatus(change(reset + 2, 1))
    d.addRegionAccess(access(reset + 3), reset + 3)
    const e = d.toEvidence(new WarningSink(), true)
    expect(e.regionAccesses.map((a) => a.src.line)).toEqual([reset + 1, reset + 3])
    expect(e.omittedRegionAccesses).toBe(REGION_ACCESS_CAP)
  })
})
