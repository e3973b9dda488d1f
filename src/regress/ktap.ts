/**
 * `probediff regress --output ktap|junit`: one test per config space, grouped by case; a config
 * space whose outcome the patch changes is `not ok` (a JUnit failure), with what changed as
 * diagnostics. KTAP follows the kernel's Documentation/dev-tools/ktap.rst (version 1; subtests
 * indented by four spaces, as KUnit prints them).
 */
import type {RegressChange, RegressResult} from './regress.js'
import {escapeXml} from '../report/junit.js'
import {summaryLine} from './report.js'

/** Case names become test names: KTAP names carry no `#` and no spaces. */
const ktapName = (s: string) => s.replace(/[#\s]/g, '_')

function changeLines(c: RegressChange): string[] {
  const lines = [`${c.bdf}: rc ${c.base.rc} -> ${c.patched.rc}, transport ${c.base.transport} -> ${c.patched.transport} (${c.kinds.join(', ')}); model agrees with ${c.model}`]
  for (const m of c.messagesRemoved) lines.push(`- ${m}`)
  for (const m of c.messagesAdded) lines.push(`+ ${m}`)
  return lines
}

function byCase(r: RegressResult): Map<string, {bdf: string; change?: RegressChange}[]> {
  const changed = new Map(r.changes.map((c) => [`${c.case}\0${c.bdf}`, c]))
  const cases = new Map<string, {bdf: string; change?: RegressChange}[]>()
  for (const s of r.ran) {
    const list = cases.get(s.case) ?? []
    const change = changed.get(`${s.case}\0${s.bdf}`)
    list.push({bdf: s.bdf, ...(change ? {change} : {})})
    cases.set(s.case, list)
  }
  return cases
}

export function renderRegressKtap(r: RegressResult): string {
  const cases = byCase(r)
  const out = ['KTAP version 1', `# probediff regress: ${summaryLine(r)}`, `1..${cases.size}`]
  let n = 0
  for (const [name, devices] of cases) {
    n++
    out.push('    KTAP version 1', `    # Subtest: ${ktapName(name)}`, `    1..${devices.length}`)
    for (const [i, d] of devices.entries()) {
      if (d.change) for (const l of changeLines(d.change)) out.push(`    # ${l}`)
      out.push(`    ${d.change ? 'not ok' : 'ok'} ${i + 1} ${ktapName(d.bdf)}`)
    }
    out.push(`${devices.some((d) => d.change) ? 'not ok' : 'ok'} ${n} ${ktapName(name)}`)
  }
  return out.join('\n') + '\n'
}

export function renderRegressJunit(r: RegressResult): string {
  const cases = byCase(r)
  const rows: string[] = []
  for (const [name, devices] of cases) {
    for (const d of devices) {
      const head = `    <testcase classname="${escapeXml(name)}" name="${escapeXml(d.bdf)}"`
      if (!d.change) rows.push(`${head}/>`)
      else {
        const body = changeLines(d.change).join('\n')
        rows.push(`${head}>`, `      <failure message="${escapeXml(changeLines(d.change)[0]!)}">${escapeXml(body)}</failure>`, '    </testcase>')
      }
    }
  }
  return junitSuite('probediff regress', {tests: r.ran.length, failures: r.changes.length, skipped: 0}, rows)
}

/** A JUnit document of one test suite around its `<testcase>` rows. */
export function junitSuite(name: string, n: {tests: number; failures: number; skipped: number}, rows: readonly string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${name}" tests="${n.tests}" failures="${n.failures}">`,
    `  <testsuite name="${name}" tests="${n.tests}" failures="${n.failures}" errors="0" skipped="${n.skipped}">`,
    ...rows,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
