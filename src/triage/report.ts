/**
 * Triage rendered three ways: plain 80-column text for a kernel mailing-list email, Markdown for an
 * issue tracker, JSON for tools. Text from inputs is escaped before it reaches a terminal.
 */
import type {DecisionStep, ReadFact} from '../model/types.js'
import type {TriageReport} from './triage.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {barRows, renderCapabilityChain} from '../report/ingest-report.js'
import {deviceTitle} from '../replay/report.js'
import {renderTable} from '../report/table.js'
import {wrap} from '../report/wrap.js'

export const TEXT_WIDTH = 80

/**
 * wrap() for text that may come from inputs: control characters are escaped first (an escape widens
 * a character to four columns, so this must happen before measuring), and a word longer than a line
 * (a long path in an evidence reference) is cut so no line passes TEXT_WIDTH.
 */
function fit(text: string, indent: string, hanging = indent): string[] {
  const room = Math.max(8, TEXT_WIDTH - Math.max(indent.length, hanging.length))
  const words = sanitizeForTerminal(text)
    .split(/ +/)
    .flatMap((w) => (w.length <= room ? [w] : (w.match(new RegExp(`.{1,${room}}`, 'g')) ?? [w])))
  return wrap(words.join(' '), TEXT_WIDTH, indent, hanging)
}

/** The Device field: the title without the BDF and QEMU device name (both are in the heading). */
function deviceIds(t: TriageReport): string {
  const title = deviceTitle(t.device)
  const prefix = `${t.device.bdf}${t.device.qemuDevice ? ` ${t.device.qemuDevice}` : ''}`
  return title.startsWith(prefix) ? title.slice(prefix.length).trim() : title
}

const readLine = (r: ReadFact) =>
  `${r.what}${r.offset ? ` @${r.offset}` : ''} = ${r.value}${r.inferred ? ' (inferred)' : ''}${r.sources.length ? `  [${r.sources.join(', ')}]` : ''}`

function outcomeLine(t: TriageReport): string {
  const o = t.device.predicted
  const virtio = o.virtioDeviceId ? `, virtio id ${o.virtioDeviceId}${o.virtioType ? ` (${o.virtioType})` : ''}` : ''
  return `rc ${o.rc}, transport ${o.transport}${virtio}`
}

function dmesgLine(t: TriageReport): string {
  if (!t.dmesg.known) return 'no kernel log in the inputs'
  const says = t.dmesg.says ? `; the log says: ${t.dmesg.says}` : ''
  if (t.dmesg.matched.length > 0) return t.dmesg.matched.map((m) => `${m.text} [${m.source}]`).join('; ') + says
  if (t.dmesg.saidNothing) return `the kernel said nothing (and the model predicts no message)${says}`
  const printed = t.dmesg.printed ?? []
  if (printed.length > 0) {
    const lines = printed.map((m) => `${m.text} [${m.source}]`).join('; ')
    const vs =
      t.device.predicted.rc === 'undetermined' ? '' : t.device.predicted.messages.length > 0 ? ' (the predicted message is NOT among them)' : ' (the model predicts no message)'
    return `${lines}${vs}${says}`
  }
  const none = t.device.predicted.messages.length > 0 ? 'the predicted message is NOT in the kernel log' : 'the kernel printed no virtio-pci probe message for this device'
  return none + says
}

/** `--oracle`: what the kernel's own code did with the same bytes, against the model. */
function oracleLine(t: TriageReport): string | undefined {
  const o = t.oracle
  if (!o) return undefined
  if (!o.comparison) return o.differences.join('; ')
  const at = `kernel code ${o.kernelVersion ?? '(unknown release)'}${o.modelProfile ? ` vs the model at ${o.modelProfile}` : ''}`
  if (o.agree) return `${at}: agrees with the model`
  return `${at}: ${o.comparison.verdict}${o.differences.length ? `: ${o.differences.join('; ')}` : ''}`
}

function stepLines(steps: readonly DecisionStep[]): {head: string; reads: string[]}[] {
  return steps.map((s, i) => ({
    head: `${i + 1}. ${s.fn}: ${s.rule} -> ${s.result}${s.detail ? ` (${s.detail})` : ''}`,
    reads: s.reads.map(readLine),
  }))
}

export function renderTriageText(reports: readonly TriageReport[]): string {
  const out: string[] = []
  const field = (label: string, text: string) => out.push(...fit(text, label.padEnd(12), ' '.repeat(12)))
  for (const t of reports) {
    if (out.length) out.push('', '')
    out.push(...fit(`probediff triage: ${t.device.bdf}${t.device.qemuDevice ? ` ${t.device.qemuDevice}` : ''}`, '', '  '), '='.repeat(TEXT_WIDTH))
    field('Device', deviceIds(t))
    field('Kernel', `${t.device.kernel}: ${t.kernelReason}`)
    field('Outcome', outcomeLine(t))
    if (t.failure) {
      field('Failed', `${t.failure.fn}${t.failure.kernelSource ? ` (${t.failure.kernelSource})` : ''}: ${t.failure.rule}`)
      if (t.failure.message) field('Message', t.failure.message)
      for (const r of t.failure.reads) field('Read', readLine(r))
    }
    for (const f of t.fallbacks) field('Fallback', `${f.fn}: ${f.rule}${f.detail ? ` (${f.detail})` : ''}`)
    for (const f of t.laterFailures) field('Also', `${f.fn}: ${f.rule}${f.detail ? ` (${f.detail})` : ''}`)
    field('dmesg', dmesgLine(t))
    field('Verdict', `${t.verdict.kind}${t.verdict.reason ? `: ${t.verdict.reason}` : ''}`)
    const oracle = oracleLine(t)
    if (oracle) field('Oracle', oracle)
    field(`Fix`, `(${t.fix.side}) ${t.fix.sentence}`)

    out.push('', 'BARs')
    // Without the evidence column: the table must fit 80 columns; the decision path names the lines.
    const rows = barRows(t.evidence.bars, t.evidence.expansionRom, {sizingReplies: false}).map(([bar, type, addr, size, , from]) => [bar!, type!, addr!, size!, from!])
    out.push(...renderTable(['bar', 'type', 'address', 'size', 'learnt from'], rows).map((l) => `  ${l}`))
    out.push('', 'Capabilities as the kernel walks them')
    for (const c of t.device.predicted.capabilities) {
      out.push(...fit(`${c.offset} cfg_type ${c.cfgType} bar ${c.bar}: ${c.decision} in the ${c.lookup} lookup${c.reason ? ` (${c.reason})` : ''}`, '  ', '    '))
    }
    out.push('  chain as read:')
    for (const l of renderCapabilityChain(t.chain)) out.push(...fit(l, '    ', '      '))
    out.push('', 'Decision path')
    for (const s of stepLines(t.device.predicted.path)) {
      out.push(...fit(s.head, '  ', '     '))
      for (const r of s.reads) out.push(...fit(r, '     ', '       '))
    }
    if (t.lints.length > 0) {
      out.push('', 'Spec lints (virtio 1.x rules Linux does not enforce)')
      for (const l of t.lints) out.push(...fit(`[${l.severity}] ${l.code}: ${l.detail} (Linux: ${l.linux})`, '  ', '    '))
    }
    out.push('', ...fit(`Config space (${t.hexdumpLegend})`, '', '  '))
    out.push(...t.hexdump.map((l) => `  ${l}`))
  }
  // Everything from inputs is escaped already; this catches anything that was not.
  return sanitizeForTerminal(out.join('\n'))
}

const mdEscape = (s: string) => s.replace(/([|*_`<>[\]\\])/g, '\\$1')

export function renderTriageMarkdown(reports: readonly TriageReport[]): string {
  const out: string[] = []
  for (const t of reports) {
    out.push(`## ${t.device.bdf}${t.device.qemuDevice ? ` \`${t.device.qemuDevice}\`` : ''}`, '')
    out.push('| | |', '|---|---|')
    const row = (k: string, v: string) => out.push(`| ${k} | ${mdEscape(v)} |`)
    row('Device', deviceTitle(t.device))
    row('Kernel', `${t.device.kernel}: ${t.kernelReason}`)
    row('Outcome', outcomeLine(t))
    if (t.failure) row('Failed', `${t.failure.fn}: ${t.failure.rule}`)
    if (t.failure?.message) row('Message', t.failure.message)
    for (const f of t.fallbacks) row('Fallback', `${f.fn}: ${f.rule}`)
    for (const f of t.laterFailures) row('Also', `${f.fn}: ${f.rule}`)
    row('dmesg', dmesgLine(t))
    row('Verdict', `${t.verdict.kind}${t.verdict.reason ? `: ${t.verdict.reason}` : ''}`)
    const oracle = oracleLine(t)
    if (oracle) row('Oracle', oracle)
    row(`Fix (${t.fix.side})`, t.fix.sentence)
    if (t.failure?.reads.length) {
      out.push('', '**Values the failing check read**', '')
      for (const r of t.failure.reads) out.push(`- \`${readLine(r)}\``)
    }
    out.push('', '### Decision path', '')
    for (const s of stepLines(t.device.predicted.path)) {
      out.push(`${s.head.replace(/^(\d+)\. /, '$1. ')}`.replace(/^/, '').replace(/^(\d+\.) (.*)$/, (_m, n: string, rest: string) => `${n} ${mdEscape(rest)}`))
      for (const r of s.reads) out.push(`   - \`${r}\``)
    }
    if (t.lints.length > 0) {
      out.push('', '### Spec lints', '')
      for (const l of t.lints) out.push(`- **${l.severity}** \`${l.code}\`: ${mdEscape(l.detail)}`)
    }
    out.push('', '### Config space', '', '```', ...t.hexdump, '```', '')
  }
  // Markdown is read in terminals too: no raw control characters from inputs.
  return sanitizeForTerminal(out.join('\n'))
}

export function triageToJson(reports: readonly TriageReport[]): unknown {
  return {
    devices: reports.map(({evidence: _evidence, ...t}) => ({
      ...t,
      chain: t.chain,
    })),
  }
}
