/**
 * Two predicted outcomes side by side (`replay --kernel 5.10 --vs 6.12`): the differences, keyed so a
 * report can mark them. Function names differ between versions by design (map_capability vs
 * vp_modern_map_capability), so decision paths are compared by the first failed check only.
 */
import type {PredictedOutcome} from '../model/types.js'

export interface OutcomeDifference {
  /** `transport`, `rc`, `virtioDeviceId`, `messages[0]`, `mapping.common.mappedLength`, `notify.mode`, ... */
  readonly key: string
  readonly a: string
  readonly b: string
}

const show = (v: unknown): string => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v))

/** The first check that ended a probe attempt, by its id (function names and rule words differ by version). */
function firstFailedCheck(o: PredictedOutcome): string | undefined {
  return o.path.find((s) => s.check !== undefined)?.check
}

export function compareOutcomes(a: PredictedOutcome, b: PredictedOutcome): OutcomeDifference[] {
  const diffs: OutcomeDifference[] = []
  const add = (key: string, x: unknown, y: unknown) => {
    if (show(x) !== show(y)) diffs.push({key, a: show(x), b: show(y)})
  }
  add('transport', a.transport, b.transport)
  add('rc', a.rc, b.rc)
  add('virtioDeviceId', a.virtioDeviceId, b.virtioDeviceId)
  const lines = Math.max(a.messages.length, b.messages.length)
  for (let i = 0; i < lines; i++) add(`messages[${i}]`, a.messages[i], b.messages[i])
  const structures = [...new Set([...a.mappings, ...b.mappings].map((m) => m.what))]
  for (const what of structures) {
    const ma = a.mappings.find((m) => m.what === what)
    const mb = b.mappings.find((m) => m.what === what)
    add(`mapping.${what}.ok`, ma?.ok, mb?.ok)
    add(`mapping.${what}.size`, ma?.size, mb?.size)
    add(`mapping.${what}.mappedLength`, ma?.mappedLength, mb?.mappedLength)
  }
  add('notify.mode', a.notify?.mode, b.notify?.mode)
  add('notify.multiplier', a.notify?.multiplier, b.notify?.multiplier)
  add('configOps', a.configOps, b.configOps)
  add('modernBars', a.modernBars, b.modernBars)
  for (const lookup of ['common', 'isr', 'notify', 'device']) {
    const chosen = (o: PredictedOutcome) => o.capabilities.find((c) => c.lookup === lookup && c.decision === 'chosen')?.offset
    add(`capability.${lookup}`, chosen(a), chosen(b))
  }
  add('failedCheck', firstFailedCheck(a), firstFailedCheck(b))
  add('undeterminedOffsets', a.undeterminedOffsets, b.undeterminedOffsets)
  add('undeterminedBars', a.undeterminedBars, b.undeterminedBars)
  return diffs
}
