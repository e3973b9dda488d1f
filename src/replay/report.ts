/**
 * Text rendering of a replay: per device, what the model predicts for the kernel profile, what the
 * traced kernel did, and the verdict; and the side-by-side view of two profiles (--vs).
 */
import type {DeviceOracleCheck} from './oracle.js'
import type {DeviceReplay, ReplaySession} from './replay.js'
import type {PredictedOutcome} from '../model/types.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {renderTable} from '../report/table.js'

const yesNo = (b: boolean | undefined) => (b === undefined ? 'unknown' : b ? 'yes' : 'no')

export function deviceTitle(d: DeviceReplay): string {
  const p = d.pci
  const ids = `[${p.vendorId.replace(/^0x/, '')}:${p.deviceId.replace(/^0x/, '')}] rev ${p.revision.replace(/^0x/, '')}, subsystem ${p.subsystemVendorId.replace(/^0x/, '')}:${p.subsystemId.replace(/^0x/, '')}`
  return `${d.bdf}${d.qemuDevice ? ` ${d.qemuDevice}` : ''}  ${ids}`
}

export function outcomeLines(o: PredictedOutcome): string[] {
  const lines: string[] = []
  const virtio = o.virtioDeviceId ? `, virtio id ${o.virtioDeviceId}${o.virtioType ? ` (${o.virtioType})` : ''}` : ''
  lines.push(`transport ${o.transport}, rc ${o.rc}${virtio}${o.configOps ? `, ${o.configOps}` : ''}`)
  if (o.undeterminedOffsets?.length) lines.push(`undetermined: config bytes ${o.undeterminedOffsets.join(', ')} are not in the evidence`)
  if (o.undeterminedBars?.length) lines.push(`undetermined: BAR ${o.undeterminedBars.join(', ')} facts are not in the evidence`)
  for (const m of o.mappings) {
    const mapped = m.ok ? `mapped ${m.mappedLength ?? '-'}` : 'FAILED'
    lines.push(`map ${m.what.padEnd(6)} bar ${m.bar} offset ${m.offset} length ${m.length}${m.capOffset ? ` (cap ${m.capOffset})` : ''}: ${mapped}`)
  }
  if (o.notify) lines.push(`notify multiplier ${o.notify.multiplier}, ${o.notify.mode === 'whole' ? 'whole capability mapped' : 'mapped per queue'}`)
  if (o.messages.length === 0) lines.push('kernel messages: none')
  else lines.push('kernel messages:', ...o.messages.map((m) => `  ${m}`))
  if (o.usesInferred) lines.push('note: some values read rest on inferred bytes (access width unknown)')
  return lines
}

/** `  label:     first line`, the rest aligned under it. */
function labelled(label: string, lines: readonly string[]): string[] {
  const head = `  ${`${label}:`.padEnd(11)}`
  return lines.map((l, i) => (i === 0 ? head : ' '.repeat(head.length)) + l)
}

export function renderReplay(session: ReplaySession, opts: {verbose?: boolean} = {}): string {
  const out: string[] = []
  out.push(`kernel profile ${session.profile.name}: ${session.profileReason}`)
  if (session.forceLegacy.value || session.forceLegacy.source !== 'default') {
    out.push(`force_legacy=${session.forceLegacy.value ? 1 : 0} (${session.forceLegacy.source}${session.forceLegacy.where ? ` ${session.forceLegacy.where}` : ''})`)
  }
  for (const d of session.devices) {
    out.push('', deviceTitle(d))
    out.push(...labelled('predicted', outcomeLines(d.predicted)))
    if (d.observed) {
      const o = d.observed
      const known = (value: boolean, isKnown: boolean | undefined) => (isKnown === false ? 'unknown' : yesNo(value))
      out.push(`  observed:  transport ${o.transport}, ACKNOWLEDGE ${known(o.acknowledged, o.acknowledgedKnown)}, DRIVER_OK ${known(o.driverOk, o.driverOkKnown)}`)
      if (o.transportEvidence && o.transport !== 'unknown' && !o.transportEvidence.startsWith('regions touched')) out.push(`             from: ${o.transportEvidence}`)
      if (o.messages.length > 0) out.push(...o.messages.map((m) => `             dmesg: ${m}`))
      if (o.driverFailure) out.push(`             virtio driver: ${o.driverFailure.line} (${o.driverFailure.source}): it failed after the transport probe succeeded`)
    } else {
      out.push('  observed:  nothing (static dump)')
    }
    out.push(`  verdict:   ${d.verdict}${d.verdictReason ? ` — ${d.verdictReason}` : ''}`)
    for (const lint of d.lints) out.push(`  spec lint: [${lint.severity}] ${lint.code}: ${lint.detail}`)
    if (opts.verbose) {
      for (const step of d.predicted.path) out.push(`  step: ${step.fn}: ${step.rule} → ${step.result}${step.detail ? ` (${step.detail})` : ''}`)
    }
  }
  if (session.skipped.length > 0) {
    out.push('', `not probed by virtio-pci (vendor is not 1af4): ${session.skipped.map((s) => `${s.bdf}${s.qemuDevice ? ` ${s.qemuDevice}` : ''}`).join(', ')}`)
  }
  if (session.devices.length === 0) out.push('', 'no function in the inputs is one virtio-pci would probe (vendor 1af4)')
  return sanitizeForTerminal(out.join('\n'))
}

export interface ProfileComparison {
  readonly bdf: string
  readonly qemuDevice?: string
  readonly a: DeviceReplay
  readonly b: DeviceReplay
  /** Names of the rows that differ. */
  readonly differences: readonly string[]
}

/** The rows compared between two profiles, each as a short string. */
function comparableRows(d: DeviceReplay): [string, string][] {
  const o = d.predicted
  const rows: [string, string][] = [
    ['kernel', `${d.kernel}${o.kernel?.version ? ` (${o.kernel.version})` : ''}`],
    ['transport', o.transport],
    ['rc', o.rc],
    ['virtio id', o.virtioDeviceId ?? '-'],
    ['config ops', o.configOps ?? '-'],
    ['notify', o.notify ? `${o.notify.multiplier} ${o.notify.mode}` : '-'],
  ]
  for (const m of o.mappings) rows.push([`map ${m.what}`, m.ok ? `bar ${m.bar} ${m.offset}+${m.mappedLength ?? '?'}` : 'failed'])
  const n = Math.max(o.messages.length, 1)
  for (let i = 0; i < n; i++) rows.push([`message ${i + 1}`, o.messages[i] ?? '-'])
  return rows
}

export function compareProfiles(a: ReplaySession, b: ReplaySession): ProfileComparison[] {
  return a.devices.map((da) => {
    const db = b.devices.find((x) => x.bdf === da.bdf)!
    const ra = new Map(comparableRows(da))
    const rb = new Map(comparableRows(db))
    const keys = [...new Set([...ra.keys(), ...rb.keys()])].filter((k) => k !== 'kernel')
    const differences = keys.filter((k) => (ra.get(k) ?? '-') !== (rb.get(k) ?? '-'))
    return {bdf: da.bdf, ...(da.qemuDevice ? {qemuDevice: da.qemuDevice} : {}), a: da, b: db, differences}
  })
}

export function renderComparison(comparisons: readonly ProfileComparison[]): string {
  const out: string[] = []
  for (const c of comparisons) {
    out.push(deviceTitle(c.a))
    const ra = new Map(comparableRows(c.a))
    const rb = new Map(comparableRows(c.b))
    const keys = [...new Set([...ra.keys(), ...rb.keys()])]
    const rows = keys.map((k) => [c.differences.includes(k) ? '*' : ' ', k, ra.get(k) ?? '-', rb.get(k) ?? '-'])
    out.push(...renderTable([' ', '', c.a.kernel, c.b.kernel], rows).map((l) => `  ${l}`))
    out.push(c.differences.length === 0 ? '  no difference' : `  ${c.differences.length} difference(s): ${c.differences.join(', ')}`, '')
  }
  return sanitizeForTerminal(out.join('\n').trimEnd())
}

/** One line per device: does the model agree with the kernel's own code? */
export function renderOracleChecks(checks: readonly DeviceOracleCheck[]): string {
  const out = ['', 'kernel-source oracle:']
  for (const c of checks) {
    out.push(`  ${c.bdf}: ${c.agree ? 'model = kernel code' : 'DIFFERENT'}${c.kernelVersion ? ` (Linux ${c.kernelVersion})` : ''}`)
    for (const d of c.differences) out.push(`    ${d}`)
  }
  return sanitizeForTerminal(out.join('\n'))
}
