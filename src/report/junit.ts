/**
 * JUnit XML for CI dashboards: one <testsuite> for the run, one <testcase> per case and device
 * (classname = case, name = device), so a regression points at the device that changed.
 * Follows the common JUnit schema (testsuites > testsuite > testcase > failure|error|skipped).
 */
import type {CheckResult} from '../golden/check.js'
import {sanitizeForTerminal} from '../util/terminal.js'

export const escapeXml = (s: string) =>
  // XML 1.0 cannot carry most control characters, even escaped: they get the terminal's \xNN form.
  sanitizeForTerminal(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

interface JunitCase {
  classname: string
  name: string
  failure?: {message: string; body: string}
  error?: {message: string; body: string}
}

export function renderJunit(result: CheckResult, suiteName = 'probediff check'): string {
  const cases: JunitCase[] = []
  for (const c of result.cases) {
    if (c.golden === 'error') {
      cases.push({classname: c.case, name: 'replay', error: {message: c.error ?? 'error', body: c.error ?? ''}})
      continue
    }
    const goldenProblem =
      c.golden === 'match' || c.wrote === 'golden'
        ? undefined
        : `golden ${c.golden}${c.wrote === 'pending' ? ' (pending file written)' : ''}; accept with \`probediff golden review\` or \`probediff check --update=all\``
    const devices = c.deviceVerdicts.length > 0 ? c.deviceVerdicts : [{bdf: 'case', verdict: 'undetermined' as const}]
    for (const d of devices) {
      const problems: string[] = []
      if (goldenProblem) problems.push(goldenProblem)
      if (d.verdict === 'disagree') problems.push(`model and kernel disagree: ${d.reason ?? ''}`.trim())
      if ('oracle' in d && d.oracle && !d.oracle.agree) problems.push(`model and kernel source disagree: ${d.oracle.differences.join('; ')}`)
      const name = 'qemuDevice' in d && d.qemuDevice ? `${d.bdf} ${d.qemuDevice}` : d.bdf
      cases.push({
        classname: c.case,
        name,
        failure: problems.length > 0 ? {message: problems[0]!, body: [...problems, ...(c.summary ?? []), c.diff ?? ''].join('\n').trim()} : undefined,
      })
    }
  }
  for (const name of result.obsolete) {
    const message = `obsolete golden: golden/${name}.json has no case; remove with \`probediff golden prune\``
    cases.push({classname: name, name: 'obsolete', failure: result.ci ? {message, body: message} : undefined})
  }

  const failures = cases.filter((c) => c.failure).length
  const errors = cases.filter((c) => c.error).length
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="0">`,
  ]
  for (const c of cases) {
    const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="0"`
    const problem = c.failure ? ['failure', c.failure] : c.error ? ['error', c.error] : undefined
    if (!problem) {
      lines.push(`${open}/>`)
      continue
    }
    const [tag, p] = problem as [string, {message: string; body: string}]
    lines.push(`${open}>`, `      <${tag} message="${escapeXml(p.message)}" type="${tag === 'failure' ? 'regression' : 'input'}">${escapeXml(stripAnsi(p.body))}</${tag}>`, '    </testcase>')
  }
  lines.push('  </testsuite>', '</testsuites>', '')
  return lines.join('\n')
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '')
