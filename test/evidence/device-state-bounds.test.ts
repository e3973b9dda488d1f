/**
 * DeviceState's bounded lists at their edges: generated sequences (not captures; bounded-history.test.ts
 * has the real one), each one built to sit on one edge of the caps, and a property run (fast-check) over
 * generated boots checked against the whole history they were cut from.
 *
 * Statuses come as the builder gives them: each record has its own sequence number, a status change
 * may arrive late (held until its vdev is tied) but never before its record, a region access arrives at
 * its record. Every status here carries its sequence number as its source line.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {DeviceState, REGION_ACCESS_CAP, RESET_SLACK, STATUS_CAP, STATUS_HEAD, type SequencedStatus} from '../../src/evidence/device-state.js'
import {kernelRegistration} from '../../src/evidence/registration.js'
import type {DeviceEvidence, RegionAccess} from '../../src/evidence/types.js'
import {WarningSink} from '../../src/util/errors.js'

type Cause = 'status-write' | 'command-write' | 'qemu'
const state = () => new DeviceState({domain: 0, bus: 0, slot: 3, func: 0}, () => {})
const change = (seq: number, val: number, cause: Cause = 'status-write'): SequencedStatus => ({val, src: {file: 't', line: seq}, cause, seq})
const access = (seq: number): RegionAccess => ({region: 'common', op: 'read', offset: 0x14, size: 1, value: 0, src: {file: 't', line: seq}, addr: 0, bar: 4})
const evidence = (d: DeviceState) => d.toEvidence(new WarningSink(), true)
const lines = (list: readonly {src: {line?: number}}[]) => list.map((x) => x.src.line)
const range = (from: number, count: number) => Array.from({length: count}, (_, i) => from + i)
/** Region accesses at these sequence numbers, in order. */
const addAccesses = (d: DeviceState, seqs: readonly number[]) => {
  for (const seq of seqs) d.addRegionAccess(access(seq), seq)
}
/** A registration (reset, ACKNOWLEDGE), then a full access list after it. */
const registeredWithFullLog = () => {
  const d = state()
  d.addStatus(change(1, 0))
  d.addStatus(change(2, 1))
  addAccesses(d, range(10, REGION_ACCESS_CAP))
  return d
}

describe('region accesses at the cap', () => {
  it('a full list with all of it before the registration: all of it goes for the next access', () => {
    const d = state()
    addAccesses(d, range(10, REGION_ACCESS_CAP))
    d.addStatus(change(5000, 0))
    d.addStatus(change(5001, 1))
    addAccesses(d, [5002])
    const e = evidence(d)
    expect(lines(e.regionAccesses)).toEqual([5002])
    expect(e.omittedRegionAccesses).toBe(REGION_ACCESS_CAP)
  })

  it('a full list with the registration inside it: only the accesses before its reset go', () => {
    const d = state()
    addAccesses(d, range(10, 100))
    d.addStatus(change(200, 0))
    d.addStatus(change(201, 1))
    const after = range(300, REGION_ACCESS_CAP - 100)
    addAccesses(d, after)
    addAccesses(d, [10_000])
    const e = evidence(d)
    expect(lines(e.regionAccesses)).toEqual([...after, 10_000])
    expect(e.omittedRegionAccesses).toBe(100)
  })

  it('a third registration after the list grew into its slack and was cut: only the accesses before it go', () => {
    const d = registeredWithFullLog()
    // A reset: RESET_SLACK more kept; its ACKNOWLEDGE makes it the registration, and the next access
    // drops what came before it.
    d.addStatus(change(100_000, 0))
    addAccesses(d, range(100_001, RESET_SLACK))
    d.addStatus(change(100_100, 1))
    const refill = range(200_000, REGION_ACCESS_CAP - RESET_SLACK)
    addAccesses(d, refill)
    expect(d.toEvidence(new WarningSink(), true).omittedRegionAccesses).toBe(REGION_ACCESS_CAP)
    // A third registration after all of the list: all of it goes, no more.
    d.addStatus(change(300_000, 0))
    d.addStatus(change(300_001, 1))
    addAccesses(d, [300_002])
    const e = evidence(d)
    expect(lines(e.regionAccesses)).toEqual([300_002])
    expect(e.omittedRegionAccesses).toBe(2 * REGION_ACCESS_CAP)
  })

  it('after a reset past the registration, RESET_SLACK more are kept and the rest counted', () => {
    const d = registeredWithFullLog()
    d.addStatus(change(100_000, 0))
    const late = range(100_001, RESET_SLACK + 2)
    addAccesses(d, late)
    const e = evidence(d)
    expect(e.regionAccesses).toHaveLength(REGION_ACCESS_CAP + RESET_SLACK)
    expect(lines(e.regionAccesses).slice(-2)).toEqual([late[RESET_SLACK - 2], late[RESET_SLACK - 1]])
    expect(e.omittedRegionAccesses).toBe(2)
  })

  it('a full list and no reset after the registration: the next access is only counted', () => {
    const d = state()
    d.addStatus(change(1, 0))
    d.addStatus(change(2, 1))
    d.addStatus(change(3, 0, 'command-write'))
    addAccesses(d, range(10, REGION_ACCESS_CAP + 1))
    const e = evidence(d)
    expect(e.regionAccesses).toHaveLength(REGION_ACCESS_CAP)
    expect(e.omittedRegionAccesses).toBe(1)
  })
})

describe('status changes at the cap', () => {
  /** A registration, then `count` more changes of `val` (not a reset). */
  const registeredThen = (count: number, val = 3, cause: Cause = 'status-write') => {
    const d = state()
    const all = [change(1, 0), change(2, 1), ...range(3, count).map((seq) => change(seq, val, cause))]
    for (const c of all) d.addStatus(c)
    return {d, all}
  }

  it('exactly STATUS_CAP: all kept, nothing counted', () => {
    const e = evidence(registeredThen(STATUS_CAP - 2).d)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(e).not.toHaveProperty('statusOmitted')
  })

  it('exactly STATUS_CAP with the registration far into it: nothing goes before the cap is passed', () => {
    const d = state()
    const all = [...range(1, 200).map((seq) => change(seq, 3, 'qemu')), change(300, 0), change(301, 1), ...range(302, STATUS_CAP - 202).map((seq) => change(seq, 7))]
    for (const c of all) d.addStatus(c)
    const e = evidence(d)
    expect(lines(e.status)).toEqual(lines(all))
    expect(e).not.toHaveProperty('statusOmitted')
  })

  it('past the cap with no reset after the registration: the extra changes only counted, where they were', () => {
    const e = evidence(registeredThen(STATUS_CAP + 3).d)
    expect(lines(e.status)).toEqual(range(1, STATUS_CAP))
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP, count: 5}])
  })

  it('a PCI command write of 0 is no reset: it gets no slack', () => {
    const {d} = registeredThen(STATUS_CAP - 2)
    d.addStatus(change(1000, 0, 'command-write'))
    const e = evidence(d)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP, count: 1}])
  })

  it('a reset past the cap and what follows it get RESET_SLACK more, then are counted', () => {
    const {d} = registeredThen(STATUS_CAP - 2)
    d.addStatus(change(1000, 0))
    for (const seq of range(1001, RESET_SLACK + 1)) d.addStatus(change(seq, 2))
    const e = evidence(d)
    expect(e.status).toHaveLength(STATUS_CAP + RESET_SLACK)
    expect(lines(e.status).slice(STATUS_CAP)).toEqual(range(1000, RESET_SLACK))
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP + RESET_SLACK, count: 2}])
  })

  it('a late change from before that reset gets no slack', () => {
    const {d} = registeredThen(STATUS_CAP - 3)
    d.addStatus(change(1000, 0))
    d.addStatus(change(999, 3))
    const e = evidence(d)
    expect(lines(e.status).slice(-2)).toEqual([STATUS_CAP - 1, 1000])
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP - 1, count: 1}])
  })

  it('a registration at exactly STATUS_HEAD drops nothing before it: the list is bounded at its end', () => {
    const d = state()
    const head = range(1, STATUS_HEAD).map((seq) => change(seq, 3, 'qemu'))
    const rest = [change(100, 0), change(101, 1), ...range(102, STATUS_CAP - STATUS_HEAD).map((seq) => change(seq, 7))]
    for (const c of [...head, ...rest]) d.addStatus(c)
    const e = evidence(d)
    expect(kernelRegistration(e.status)).toBe(STATUS_HEAD)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP, count: 2}])
  })

  it('a registration one past STATUS_HEAD: the change before it goes, counted at STATUS_HEAD', () => {
    const d = state()
    const head = range(1, STATUS_HEAD + 1).map((seq) => change(seq, 3, 'qemu'))
    const rest = [change(100, 0), change(101, 1), ...range(102, STATUS_CAP - STATUS_HEAD - 2).map((seq) => change(seq, 7))]
    for (const c of [...head, ...rest]) d.addStatus(c)
    const e = evidence(d)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(lines(e.status).slice(STATUS_HEAD - 1, STATUS_HEAD + 2)).toEqual([STATUS_HEAD, 100, 101])
    expect(e.statusOmitted).toEqual([{before: STATUS_HEAD, count: 1}])
  })

  it('a late change inside a full list is counted where it belongs, before the gap at the end', () => {
    const {d} = registeredThen(STATUS_CAP + 3)
    d.addStatus(change(50.5, 3))
    const e = evidence(d)
    expect(lines(e.status)).toEqual(range(1, STATUS_CAP))
    expect(e.statusOmitted).toEqual([{before: 50, count: 1}, {before: STATUS_CAP, count: 5}])
  })

  it('a late reset inside a full list gets its slack, and the gap after it moves one on', () => {
    const {d} = registeredThen(STATUS_CAP + 3)
    d.addStatus(change(100.5, 0))
    const e = evidence(d)
    expect(e.status).toHaveLength(STATUS_CAP + 1)
    expect(lines(e.status)[100]).toBe(100.5)
    expect(e.statusOmitted).toEqual([{before: STATUS_CAP + 1, count: 5}])
  })

  it('a late reset goes before the changes counted at the end when it came before them, after them when it came after', () => {
    const before = registeredThen(STATUS_CAP + 3).d
    before.addStatus(change(STATUS_CAP + 0.5, 0))
    const b = evidence(before)
    expect(lines(b.status).slice(-2)).toEqual([STATUS_CAP, STATUS_CAP + 0.5])
    expect(b.statusOmitted).toEqual([{before: STATUS_CAP + 1, count: 5}])
    const after = registeredThen(STATUS_CAP + 3).d
    after.addStatus(change(1000, 0))
    const a = evidence(after)
    expect(lines(a.status).slice(-2)).toEqual([STATUS_CAP, 1000])
    expect(a.statusOmitted).toEqual([{before: STATUS_CAP, count: 5}])
  })

  it('late changes from inside a stretch already left out are left out with it (counted in its gap)', () => {
    const d = state()
    for (const seq of range(1, 254)) d.addStatus(change(seq, 3, 'qemu'))
    // 255..259 held back (their vdev not yet tied) while 260 and a registration come in: the
    // registration passes the cap, and 33..254 and 260 go.
    for (const c of [change(260, 3, 'qemu'), change(261, 0), change(262, 1)]) d.addStatus(c)
    expect(evidence(d).statusOmitted).toEqual([{before: STATUS_HEAD, count: 223}])
    for (const seq of range(255, 5)) d.addStatus(change(seq, 3, 'qemu'))
    const e = evidence(d)
    expect(lines(e.status)).toEqual([...range(1, STATUS_HEAD), 261, 262])
    expect(e.statusOmitted).toEqual([{before: STATUS_HEAD, count: 228}])
  })

  it('a stretch left out spans the gaps folded into it: late changes from any part of it go with it', () => {
    const d = state()
    // No registration: 1..256 kept, 257..259 counted at the end; then a registration folds that gap
    // into the stretch 33..259.
    for (const seq of range(1, STATUS_CAP + 3)) d.addStatus(change(seq, 3, 'qemu'))
    for (const c of [change(300, 0), change(301, 1)]) d.addStatus(c)
    expect(evidence(d).statusOmitted).toEqual([{before: STATUS_HEAD, count: 227}])
    d.addStatus(change(258.5, 3, 'qemu'))
    expect(evidence(d).statusOmitted).toEqual([{before: STATUS_HEAD, count: 228}])
    // A second registration past the cap: the stretch 33..523 (the first one and 300..523).
    for (const seq of range(302, STATUS_CAP - STATUS_HEAD - 2)) d.addStatus(change(seq, 7))
    for (const c of [change(600, 0), change(601, 1)]) d.addStatus(c)
    expect(evidence(d).statusOmitted).toEqual([{before: STATUS_HEAD, count: 228 + 224}])
    d.addStatus(change(100.5, 3, 'qemu'))
    const e = evidence(d)
    expect(lines(e.status)).toEqual([...range(1, STATUS_HEAD), 600, 601])
    expect(e.statusOmitted).toEqual([{before: STATUS_HEAD, count: 228 + 225}])
  })

  it('a late change just before a registration at STATUS_HEAD goes into the gap at STATUS_HEAD; the gap after the registration moves back', () => {
    const d = state()
    // 40 changes, then a registration past the head and enough after it to pass the cap once: the
    // 8 changes between the head and the registration go (a gap at STATUS_HEAD)...
    for (const seq of range(1, 40)) d.addStatus(change(seq, 3, 'qemu'))
    d.addStatus(change(100, 0))
    d.addStatus(change(101, 1))
    for (const seq of range(102, STATUS_CAP - 42 + 1)) d.addStatus(change(seq, 7))
    // ... then 3 more than the 7 places left: counted at the end.
    for (const seq of range(1000, 7 + 3)) d.addStatus(change(seq, 7))
    const before = evidence(d)
    expect(before.statusOmitted).toEqual([{before: STATUS_HEAD, count: 8}, {before: STATUS_CAP, count: 3}])
    // A change from just before the registration, delivered late: no room, folded into the first gap.
    d.addStatus(change(99, 3, 'qemu'))
    const e = evidence(d)
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(lines(e.status).slice(STATUS_HEAD - 1, STATUS_HEAD + 1)).toEqual([STATUS_HEAD, 100])
    expect(e.statusOmitted).toEqual([{before: STATUS_HEAD, count: 9}, {before: STATUS_CAP, count: 3}])
  })

  it('a new registration folds the gaps before it into one at STATUS_HEAD, keeps those in the head, and moves those after it', () => {
    const d = state()
    // No registration: 256 qemu changes, then 3 more (counted at the end).
    for (const seq of range(10, STATUS_CAP + 3)) d.addStatus(change(seq, 3, 'qemu'))
    // A late change from the head's time: no room, counted where it belongs (index 5).
    d.addStatus(change(15.5, 3, 'qemu'))
    // A registration (kept whole), then more changes than the room left after it.
    d.addStatus(change(1000, 0))
    d.addStatus(change(1001, 1))
    for (const seq of range(1002, STATUS_CAP - STATUS_HEAD)) d.addStatus(change(seq, 7))
    const e = evidence(d)
    const kept = lines(e.status)
    expect(kept.slice(0, STATUS_HEAD)).toEqual(range(10, STATUS_HEAD))
    expect(kept.slice(STATUS_HEAD, STATUS_HEAD + 2)).toEqual([1000, 1001])
    expect(e.status).toHaveLength(STATUS_CAP)
    expect(e.statusOmitted).toEqual([
      {before: 6, count: 1},
      {before: STATUS_HEAD, count: STATUS_CAP + 3 - STATUS_HEAD},
      {before: STATUS_CAP, count: 2},
    ])
  })
})

/** The kept statuses and their gaps against the whole history: every change is either kept, in order,
 * or counted in the one gap between the kept changes around it. */
function expectAccounted(all: readonly SequencedStatus[], e: DeviceEvidence): void {
  const history = all.map((c) => c.seq).sort((a, b) => a - b)
  const kept = lines(e.status) as number[]
  const gaps = e.statusOmitted ?? []
  expect(kept.every((seq, i) => i === 0 || kept[i - 1]! < seq)).toBe(true)
  expect(gaps.every((g, i) => g.count > 0 && g.before <= kept.length && (i === 0 || gaps[i - 1]!.before < g.before))).toBe(true)
  const counted = range(0, kept.length + 1).map((i) => gaps.find((g) => g.before === i)?.count ?? 0)
  const between = range(0, kept.length + 1).map((i) => history.filter((seq) => seq > (kept[i - 1] ?? -Infinity) && seq < (kept[i] ?? Infinity)).length)
  expect(counted).toEqual(between)
  expect(kept.every((seq) => history.includes(seq))).toBe(true)
}

describe('generated boots, some statuses delivered late (property run, fast-check)', () => {
  const val = fc.integer({min: 0, max: 3})
  /** A boot of the driver (reset, ACKNOWLEDGE, ...) after changes QEMU could not tie to a driver write
   * (now and then a long stretch: firmware, another guest), perhaps a bus-master clear. */
  interface Boot {
    readonly noise: readonly number[]
    readonly busMasterClear: boolean
    readonly steps: number
    readonly untied: number
  }
  const boot: fc.Arbitrary<Boot> = fc.record({
    noise: fc.oneof({weight: 19, arbitrary: fc.array(val, {maxLength: 3})}, {weight: 1, arbitrary: fc.array(val, {minLength: 100, maxLength: 400})}),
    busMasterClear: fc.boolean(),
    steps: fc.integer({min: 0, max: 3}),
    untied: fc.integer({min: 0, max: 2}),
  })
  /** Runs of `length` changes from `start` on, held back until `delay` more were delivered. */
  const holds = fc.array(fc.record({start: fc.nat({max: 3000}), length: fc.integer({min: 1, max: 6}), delay: fc.integer({min: 1, max: 6})}), {maxLength: 30})

  function history(boots: readonly Boot[]): SequencedStatus[] {
    const out: SequencedStatus[] = []
    let seq = 0
    for (const b of boots) {
      for (const v of b.noise) out.push(change(++seq, v, 'qemu'))
      if (b.busMasterClear) out.push(change(++seq, 0, 'command-write'))
      out.push(change(++seq, 0), change(++seq, 1))
      for (const v of [3, 11, 15].slice(0, b.steps)) out.push(change(++seq, v))
      for (let k = b.untied; k > 0; k--) out.push(change(++seq, 15, 'qemu'))
    }
    return out
  }

  function delivery(all: readonly SequencedStatus[], runs: readonly {start: number; length: number; delay: number}[]): SequencedStatus[] {
    const starts = new Map(runs.map((r) => [r.start, r]))
    const out: SequencedStatus[] = []
    let held: SequencedStatus[] = []
    let holding = 0
    let release = 0
    all.forEach((c, i) => {
      const run = held.length === 0 ? starts.get(i) : undefined
      if (run) [holding, release] = [run.length, run.length + run.delay]
      if (holding > 0) {
        held.push(c)
        holding--
      } else out.push(c)
      if (held.length > 0 && --release <= 0) {
        out.push(...held)
        held = []
      }
    })
    return [...out, ...held]
  }

  it('every change kept in order or counted in its gap, the list bounded, the last registration kept whole', () => {
    fc.assert(
      fc.property(fc.array(boot, {minLength: 10, maxLength: 160}), holds, (boots, runs) => {
        const all = history(boots)
        const d = state()
        for (const c of delivery(all, runs)) d.addStatus(c)
        const e = evidence(d)
        expectAccounted(all, e)
        if (all.length <= STATUS_CAP) expect(lines(e.status)).toEqual(lines(all))
        expect(e.status.length).toBeLessThanOrEqual(STATUS_CAP + RESET_SLACK)
        expect(lines(e.status).slice(kernelRegistration(e.status))).toEqual(lines(all.slice(kernelRegistration(all))))
      }),
      {numRuns: 200},
    )
  })
})
