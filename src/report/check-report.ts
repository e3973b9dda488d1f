/**
 * The text a user reads after `probediff check`: a summary table, a diff per changed golden, the
 * device-level disagreements, obsolete goldens, and how to accept changes.
 */
import type {CaseReport, CheckResult} from '../golden/check.js'
import {renderChange} from '../golden/diff.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {renderTable} from './table.js'

export function renderCheckReport(result: CheckResult, opts: {color: boolean; verbose?: boolean}): string {
  const out: string[] = []
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const tone = (c: CaseReport, col: number): string | undefined => {
    if (col === 2) return c.golden === 'match' ? '32' : c.wrote === 'golden' ? '33' : '31'
    if (col === 3) return c.kernel === 'agree' ? '32' : c.kernel === 'disagree' ? '31' : undefined
    if (col === header.length - 1) return c.ok ? '32' : '1;31'
    if (withOracle && col === 4) return oracleWord(c) === 'DIFFER' ? '31' : undefined
    return undefined
  }
  const goldenWord = (c: CaseReport) => {
    if (c.header) return `${c.golden} (${HEADER_WORDS[c.header]}${c.wrote === 'header' ? '; header refreshed' : ''})`
    return c.wrote === 'golden' ? `${c.golden} (updated)` : c.wrote === 'pending' ? `${c.golden} (pending)` : c.golden
  }
  // With --oracle, a column says whether the model matched the kernel's own code on every device.
  const withOracle = result.cases.some((c) => c.deviceVerdicts.some((d) => d.oracle))
  const oracleWord = (c: CaseReport) => (c.deviceVerdicts.length === 0 ? '-' : c.deviceVerdicts.every((d) => d.oracle?.agree) ? 'agree' : 'DIFFER')
  const rows = result.cases.map((c) => [sanitizeForTerminal(c.case), String(c.devices), goldenWord(c), c.kernel, ...(withOracle ? [oracleWord(c)] : []), c.ok ? 'ok' : 'FAIL'])
  const header = ['case', 'devices', 'golden', 'kernel', ...(withOracle ? ['oracle'] : []), 'result']
  out.push(
    ...renderTable(header, rows, {
      rightAlign: new Set([1]),
      paint: (row, col, text) => {
        const code = tone(result.cases[row]!, col)
        return code ? paint(code, text) : text
      },
    }),
  )

  for (const c of result.cases) {
    if (c.error) out.push('', `${c.case}: error: ${sanitizeForTerminal(c.error)}`)
    for (const d of c.deviceVerdicts) {
      if (d.verdict === 'disagree') out.push('', `${c.case} ${d.bdf}${d.qemuDevice ? ` (${d.qemuDevice})` : ''}: model and kernel disagree: ${sanitizeForTerminal(d.reason ?? '')}`)
      if (d.oracle && !d.oracle.agree) out.push('', `${c.case} ${d.bdf}: model and kernel source (oracle) disagree:`, ...d.oracle.differences.map((x) => `  ${sanitizeForTerminal(x)}`))
    }
    if (c.summary) {
      const what = c.golden === 'new' ? 'new golden' : c.golden === 'stale' ? 'golden is stale (the inputs changed since it was accepted, and so did the claim)' : 'golden changed'
      out.push('', sanitizeForTerminal(renderChange(`${c.case}: ${what}`, {summary: c.summary, diff: c.diff}, opts.color), {keepSgr: opts.color}))
    }
    if (opts.verbose) for (const w of c.warnings) out.push(`${c.case}: warning: ${sanitizeForTerminal(w)}`)
  }

  if (result.obsolete.length > 0) {
    out.push('', `obsolete golden files (no case in traces/)${result.ci ? ', failing in CI' : ''}:`)
    for (const n of result.obsolete) out.push(`  golden/${n}.json`)
    out.push('remove them with `probediff golden prune`')
  }

  const outdated = result.cases.filter((c) => c.header && c.wrote !== 'header').length
  if (outdated > 0) {
    out.push('', `${outdated} golden${outdated === 1 ? '' : 's'} match with an outdated header (inputs, schema or tool version): \`probediff check --update=new\` refreshes ${outdated === 1 ? 'it' : 'them'} without a review`)
  }
  out.push('', summaryLine(result))
  const pendingWritten = result.cases.some((c) => c.wrote === 'pending')
  const needsAccept = result.cases.some((c) => c.golden !== 'match' && c.golden !== 'error' && c.wrote !== 'golden')
  if (needsAccept) {
    out.push(
      pendingWritten
        ? 'pending goldens written (golden/<case>.json.new): review them with `probediff golden review`, or accept all with `probediff check --update=all`'
        : result.update === 'none'
          ? `goldens differ and were not written (update mode none${result.ci ? ', CI' : ''}): run \`probediff check --update=all\` or \`probediff check\` then \`probediff golden review\` locally`
          : 'accept with `probediff golden review` or `probediff check --update=all`',
    )
  }
  return out.join('\n')
}

const HEADER_WORDS: Record<NonNullable<CaseReport['header']>, string> = {
  'inputs-changed': 'inputs changed, outcome same',
  migrated: 'schema 1, migrated',
  outdated: 'header outdated',
}

function summaryLine(result: CheckResult): string {
  const count = (pick: (c: CaseReport) => string) => {
    const m = new Map<string, number>()
    for (const c of result.cases) m.set(pick(c), (m.get(pick(c)) ?? 0) + 1)
    return [...m.entries()].map(([k, v]) => `${v} ${k}`).join(', ')
  }
  const devices = result.cases.reduce((n, c) => n + c.devices, 0)
  const failed = result.cases.filter((c) => !c.ok).length
  return `${result.cases.length} cases, ${devices} devices; golden: ${count((c) => c.golden) || 'none'}; kernel: ${count((c) => c.kernel) || 'none'}; ${failed} failed${result.obsolete.length ? `; ${result.obsolete.length} obsolete` : ''}`
}
