/**
 * Reports of `probediff regress --vmlinuz`: text (80 columns), Markdown, KTAP and JUnit, listing the
 * devices whose booted behaviour differs from the baseline golden, the undetermined ones with the
 * facts not compared, and the cases that failed to boot or could not be re-run.
 */
import {escapeXml} from '../report/junit.js'
import {wrap} from '../report/wrap.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import type {BootCase, BootDevice, BootRegressResult} from './boot.js'
import {junitSuite} from './ktap.js'
import {REGRESS_WIDTH} from './report.js'

export function bootSummaryLine(r: BootRegressResult): string {
  const s = r.summary
  const extra = [s.failed ? `${s.failed} failed to boot` : '', s.skipped ? `${s.skipped} skipped` : ''].filter(Boolean)
  return `${s.cases} case${s.cases === 1 ? '' : 's'}, ${s.booted} booted with ${r.kernel.release ?? 'the candidate kernel'}${extra.length ? ` (${extra.join(', ')})` : ''}: ${s.devices} devices, ${s.changed} changed, ${s.undetermined} undetermined`
}

const title = (c: BootCase, d: BootDevice) => `${c.case} ${d.bdf}${d.qemuDevice ? ` ${d.qemuDevice}` : ''}`

/** `# SKIP` / failure text of a case, or undefined when it ran. */
const caseProblem = (c: BootCase): string | undefined => (c.status === 'failed' || c.status === 'skipped' || c.status === 'no-golden' ? `${c.status}: ${c.reason ?? ''}` : undefined)

export function renderBootText(r: BootRegressResult): string {
  const out: string[] = []
  const w = (text: string, indent = '', hanging = indent + '  ') => out.push(...wrap(text, REGRESS_WIDTH, indent, hanging))
  w(`probediff regress: ${bootSummaryLine(r)}`)
  out.push('')
  w(`kernel:  ${r.kernel.image}${r.kernel.release ? `, ${r.kernel.release}` : ''}`, '', '         ')
  w(`modules: ${r.kernel.modules ?? 'none (virtio_pci built in)'}`, '', '         ')
  w('compared with: what the baseline kernel did, as each case\'s golden records it')
  for (const m of r.warnings) w(`warning: ${m}`)
  for (const c of r.cases) {
    const problem = caseProblem(c)
    if (problem) {
      out.push('')
      w(`${c.case}: ${problem}`)
    }
    if (c.warnings.length) out.push('')
    for (const m of c.warnings) w(`${c.case}: warning: ${m}`)
    for (const d of c.devices) {
      if (d.status === 'same') continue
      out.push('')
      w(`${title(c, d)}: ${d.status}`)
      for (const x of d.differences) w(x, '  ', '      ')
      for (const x of d.notCompared) w(`not compared: ${x}`, '  ', '      ')
    }
  }
  return sanitizeForTerminal(out.join('\n'))
}

const md = (s: string) => s.replace(/([|*_`<>[\]\\])/g, '\\$1')

export function renderBootMarkdown(r: BootRegressResult): string {
  const out = [`## probediff regress: ${md(bootSummaryLine(r))}`, '', `- **kernel**: ${md(r.kernel.image)}`, `- **modules**: ${md(r.kernel.modules ?? 'none (virtio_pci built in)')}`, '']
  const rows = r.cases.flatMap((c) => c.devices.filter((d) => d.status !== 'same').map((d) => `| ${md(c.case)} | ${d.bdf} | ${md(d.qemuDevice ?? '-')} | ${d.status} | ${md([...d.differences, ...d.notCompared.map((x) => `not compared: ${x}`)].join('; '))} |`))
  if (rows.length) out.push('| case | BDF | QEMU device | status | what |', '|---|---|---|---|---|', ...rows, '')
  for (const c of r.cases) {
    const problem = caseProblem(c)
    if (problem) out.push(`- ${md(c.case)}: ${md(problem)}`)
  }
  return sanitizeForTerminal(out.join('\n'))
}

const ktapName = (s: string) => s.replace(/[#\s]/g, '_')
const failing = (d: BootDevice) => d.status === 'changed' || d.status === 'gone' || d.status === 'new'

export function renderBootKtap(r: BootRegressResult): string {
  const out = ['KTAP version 1', `# probediff regress: ${bootSummaryLine(r)}`, `1..${r.cases.length}`]
  for (const [n, c] of r.cases.entries()) {
    if (c.status === 'skipped' || c.status === 'no-golden') {
      out.push(`ok ${n + 1} ${ktapName(c.case)} # SKIP ${(c.reason ?? c.status).replace(/#/g, '_')}`)
      continue
    }
    if (c.status === 'failed') {
      out.push(`# ${c.case}: ${c.reason ?? 'failed'}`, `not ok ${n + 1} ${ktapName(c.case)}`)
      continue
    }
    out.push('    KTAP version 1', `    # Subtest: ${ktapName(c.case)}`, `    1..${c.devices.length}`)
    for (const [i, d] of c.devices.entries()) {
      for (const x of d.differences) out.push(`    # ${d.bdf}: ${x}`)
      const skip = d.status === 'undetermined' ? ` # SKIP not compared: ${d.notCompared.join(', ').replace(/#/g, '_')}` : ''
      out.push(`    ${failing(d) ? 'not ok' : 'ok'} ${i + 1} ${ktapName(d.bdf)}${skip}`)
    }
    out.push(`${c.devices.some(failing) ? 'not ok' : 'ok'} ${n + 1} ${ktapName(c.case)}`)
  }
  return out.join('\n') + '\n'
}

export function renderBootJunit(r: BootRegressResult): string {
  const rows: string[] = []
  let tests = 0
  let failures = 0
  let skipped = 0
  for (const c of r.cases) {
    const problem = caseProblem(c)
    if (problem) {
      tests++
      const failed = c.status === 'failed'
      failures += failed ? 1 : 0
      skipped += failed ? 0 : 1
      rows.push(`    <testcase classname="${escapeXml(c.case)}" name="boot">`, failed ? `      <failure message="${escapeXml(problem)}"/>` : `      <skipped message="${escapeXml(problem)}"/>`, '    </testcase>')
      continue
    }
    for (const d of c.devices) {
      tests++
      const head = `    <testcase classname="${escapeXml(c.case)}" name="${escapeXml(d.bdf)}"`
      if (failing(d)) {
        failures++
        rows.push(`${head}>`, `      <failure message="${escapeXml(d.differences.join('; '))}"/>`, '    </testcase>')
      } else if (d.status === 'undetermined') {
        skipped++
        rows.push(`${head}>`, `      <skipped message="${escapeXml(`not compared: ${d.notCompared.join(', ')}`)}"/>`, '    </testcase>')
      } else rows.push(`${head}/>`)
    }
  }
  return junitSuite('probediff regress --vmlinuz', {tests, failures, skipped}, rows)
}

/** `--json`: stable keys first; every device, with its status. */
export function bootToJson(r: BootRegressResult): unknown {
  return {
    cases: r.cases,
    summary: r.summary,
    kernel: r.kernel,
    warnings: r.warnings,
    seconds: r.seconds,
  }
}
