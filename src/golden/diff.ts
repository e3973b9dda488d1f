/**
 * How a golden change reads: first one summary line per changed device (transport/rc before → after,
 * messages removed and added, what else changed), then a unified diff of the claims whose hunk
 * headers name the device. A new golden shows its devices' summary; the whole file only when verbose.
 */
import {structuredPatch} from 'diff'
import type {DeviceClaim} from './claim.js'
import {sortKeys} from './canonical-json.js'
import {renderClaims} from './golden-file.js'

export interface GoldenChange {
  /** One line per changed (added, removed) device. */
  readonly summary: readonly string[]
  /** Unified diff of the claims, hunks named by device; absent for a new golden unless verbose. */
  readonly diff?: string
}

/** `old` undefined: a new golden. */
export function describeChange(caseName: string, old: readonly DeviceClaim[] | undefined, fresh: readonly DeviceClaim[], opts: {verbose?: boolean} = {}): GoldenChange {
  if (old === undefined) {
    const summary = fresh.map((d) => `${deviceName(d)}: ${outcomeWord(d)}, ${d.predicted.messages.length} message${d.predicted.messages.length === 1 ? '' : 's'}, verdict ${d.verdict} (new)`)
    return opts.verbose ? {summary, diff: claimDiff(caseName, [], fresh)} : {summary}
  }
  const before = new Map(old.map((d) => [d.bdf, d]))
  const after = new Map(fresh.map((d) => [d.bdf, d]))
  // Only the devices that changed get a line: the others are the same claim.
  const summary: string[] = []
  for (const bdf of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const line = summarizeDevice(before.get(bdf), after.get(bdf))
    if (line) summary.push(line)
  }
  return {summary, diff: claimDiff(caseName, old, fresh)}
}

/** `00:03.0 virtio-net-pci: modern/0 → none/EINVAL; + "virtio_pci: bad capability len 1 (>=2 expected)"`. */
function summarizeDevice(a: DeviceClaim | undefined, b: DeviceClaim | undefined): string | undefined {
  if (!a && b) return `${deviceName(b)}: added, ${outcomeWord(b)}`
  if (a && !b) return `${deviceName(a)}: removed (was ${outcomeWord(a)})`
  if (!a || !b || renderClaims([a]) === renderClaims([b])) return undefined
  const parts = [outcomeWord(a) === outcomeWord(b) ? `${outcomeWord(b)} (same)` : `${outcomeWord(a)} → ${outcomeWord(b)}`]
  const texts = (d: DeviceClaim) => d.predicted.messages.map((m) => m.text.replace(/^virtio-pci [0-9a-f:.]+: /, ''))
  const was = texts(a)
  const now = texts(b)
  for (const m of was.filter((t) => !now.includes(t))) parts.push(`- ${JSON.stringify(m)}`)
  for (const m of now.filter((t) => !was.includes(t))) parts.push(`+ ${JSON.stringify(m)}`)
  if (a.verdict !== b.verdict) parts.push(`verdict ${a.verdict} → ${b.verdict}`)
  const others = changedKeys(a, b).filter((k) => !['predicted.transport', 'predicted.rc', 'predicted.messages', 'verdict'].includes(k))
  if (others.length > 0) parts.push(`changed: ${others.join(', ')}`)
  return `${deviceName(b)}: ${parts.join('; ')}`
}

function changedKeys(a: DeviceClaim, b: DeviceClaim): string[] {
  const keys: string[] = []
  const same = (x: unknown, y: unknown) => JSON.stringify(sortKeys(x)) === JSON.stringify(sortKeys(y))
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof DeviceClaim>) {
    if (k === 'predicted') {
      for (const p of new Set([...Object.keys(a.predicted), ...Object.keys(b.predicted)]) as Set<keyof DeviceClaim['predicted']>) {
        if (same(a.predicted[p], b.predicted[p])) continue
        if (p !== 'mappings') keys.push(`predicted.${p}`)
        else {
          // Which structures: `predicted.mappings[common]`.
          const was = new Map(a.predicted.mappings.map((m) => [m.what, m]))
          const now = new Map(b.predicted.mappings.map((m) => [m.what, m]))
          const which = [...new Set([...was.keys(), ...now.keys()])].filter((w) => !same(was.get(w), now.get(w)))
          keys.push(`predicted.mappings[${which.join(', ')}]`)
        }
      }
    } else if (!same(a[k], b[k])) keys.push(k)
  }
  return keys
}

function deviceName(d: DeviceClaim): string {
  return `${d.bdf.replace(/^0000:/, '')}${d.qemuDevice ? ` ${d.qemuDevice}` : ''}`
}

function outcomeWord(d: DeviceClaim): string {
  return `${d.predicted.transport}/${d.predicted.rc}`
}

/** Unified diff of two claim lists; each hunk header ends with the device its first change is in. */
function claimDiff(caseName: string, old: readonly DeviceClaim[], fresh: readonly DeviceClaim[]): string {
  const oldText = old.length === 0 ? '' : renderClaims(old)
  const newText = renderClaims(fresh)
  const patch = structuredPatch(`golden/${caseName}.json`, `golden/${caseName}.json (new)`, oldText, newText, '', '', {context: 3})
  const oldLines = oldText.split('\n')
  const newLines = newText.split('\n')
  const out = [`--- golden/${caseName}.json`, `+++ golden/${caseName}.json (new)`]
  for (const h of patch.hunks) {
    const firstChange = h.lines.findIndex((l) => l.startsWith('+') || l.startsWith('-'))
    // Lines before the first change, then the change itself, locate it in the file it comes from.
    const before = h.lines.slice(0, firstChange).filter((l) => !l.startsWith('\\'))
    const isAdded = h.lines[firstChange]?.startsWith('+')
    const at = (isAdded ? h.newStart : h.oldStart) - 1 + before.length
    const device = deviceAt(isAdded ? newLines : oldLines, at, isAdded ? fresh : old)
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${device ? ` ${device}` : ''}`, ...h.lines)
  }
  return out.join('\n')
}

/** The device whose rendering holds line `index` (0-based): the last `"bdf"` at or before it. */
function deviceAt(lines: readonly string[], index: number, devices: readonly DeviceClaim[]): string | undefined {
  for (let i = Math.min(index, lines.length - 1); i >= 0; i--) {
    const m = /^\s*\{?"bdf": "([^"]+)"/.exec(lines[i]!)
    if (m) {
      const d = devices.find((x) => x.bdf === m[1])
      return d ? deviceName(d) : m[1]
    }
  }
  return undefined
}

/** Colors a rendered diff for a terminal. */
export function colorDiff(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return `\u001b[1m${l}\u001b[0m`
      if (l.startsWith('+')) return `\u001b[32m${l}\u001b[0m`
      if (l.startsWith('-')) return `\u001b[31m${l}\u001b[0m`
      if (l.startsWith('@@')) return `\u001b[36m${l}\u001b[0m`
      return l
    })
    .join('\n')
}

/** `title:`, the summary, then the diff: as `check`, `golden diff` and `golden review` print a change. */
export function renderChange(title: string, change: GoldenChange, color: boolean): string {
  const lines = [`${title}:`, ...change.summary.map((s) => `  ${s}`)]
  if (change.diff) lines.push(color ? colorDiff(change.diff) : change.diff)
  return lines.join('\n')
}
