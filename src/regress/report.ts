/**
 * `probediff regress` reports: text (80 columns, to paste into a patch email), Markdown, and the
 * summary line both start with. Only the config spaces whose outcome the patch changes are listed.
 */
import {type ChangeKind, type RegressChange, type RegressResult, type SideOutcome, setupVqText} from './regress.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {wrap} from '../report/wrap.js'

export const REGRESS_WIDTH = 80

export function summaryLine(r: RegressResult): string {
  const kinds = Object.entries(r.configSpaces.byKind).map(([k, n]) => `${k} ${n}`)
  const n = r.configSpaces.changed
  const generated = r.configSpaces.bySource.generated ? ` (and ${r.configSpaces.bySource.generated} generated)` : ''
  return `${r.configSpaces.total} config spaces${generated}, ${n} changed${kinds.length ? ` (${kinds.join(', ')})` : ''}`
}

function sourcesLine(r: RegressResult): string {
  const s = r.configSpaces.bySource
  const parts = [`${s.capture} from QEMU captures`, `${s.fault} fault cases`]
  if (s.user) parts.push(`${s.user} from cases given`)
  if (s.input) parts.push(`${s.input} from inputs given`)
  if (s.generated) parts.push(`${s.generated} generated`)
  return parts.join(', ')
}

const modelLine = (r: RegressResult): string => {
  const m = r.configSpaces.model
  return `probediff's model (${r.modelProfile ?? 'no profile'}) agrees with base on ${m.base}, patched on ${m.patched}, neither on ${m.neither}`
}

const origin = (c: RegressChange): string => {
  if (c.generatedFrom) return ` (generated from ${c.generatedFrom.configSpace})`
  if (!c.series) return ''
  return c.source === 'fault' ? ` (fault case, ${c.series})` : c.source === 'capture' ? ` (captured on ${c.series})` : ` (given, ${c.series})`
}

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`)

/** The coverage block (with --coverage): both sides' figures, then the changed lines nothing reaches. */
export function coverageLines(r: RegressResult): string[] {
  const c = r.coverage
  if (!c) return []
  const side = (name: string, f: {lines: {hit: number; total: number}; branches: {taken: number; total: number}}) =>
    `${name}: lines ${f.lines.hit}/${f.lines.total} (${pct(f.lines.hit, f.lines.total)}), branches ${f.branches.taken}/${f.branches.total} (${pct(f.branches.taken, f.branches.total)})`
  const executable = c.changedLines.filter((l) => l.count !== null)
  const out = [
    "coverage of the kernel's probe code (gcov):",
    `  ${side('base', c.base)}`,
    `  ${side('patched', c.patched)}`,
    `  changed lines: ${c.changedLines.length}, executable ${executable.length}, reached ${executable.length - c.unreached.length}, not reached ${c.unreached.length}`,
  ]
  for (const l of c.unreached) out.push(`  not reached: ${l.file}:${l.line}${l.side === 'base' ? ' (removed)' : ''}: ${l.text.trim()}`)
  const g = c.generation
  if (g) {
    out.push(
      `generated: ${g.configSpaces} config spaces in ${g.batches} batches, ${g.changed} changed (${g.minimized} once minimized); with them:`,
      `  ${side('base', g.base)}`,
      `  ${side('patched', g.patched)}`,
      `  changed lines still not reached: ${g.unreached.length}`,
    )
    for (const l of g.unreached) out.push(`  not reached: ${l.file}:${l.line}: ${l.text.trim()}`)
  }
  return out
}

const deviceTitle = (c: RegressChange) => `${c.case} ${c.bdf}${c.qemuDevice ? ` ${c.qemuDevice}` : ''}${origin(c)}`

const FIELD: Partial<Record<ChangeKind, (o: SideOutcome) => string>> = {
  rc: (o) => o.rc,
  transport: (o) => o.transport,
  'virtio-id': (o) => o.virtioDeviceId ?? '-',
  'config-ops': (o) => o.configOps ?? '-',
  mappings: (o) => (o.mappings.length ? o.mappings.join(', ') : 'none'),
  'setup-vq': setupVqText,
}

const MODEL_WORDS: Record<RegressChange['model'], string> = {
  base: "base (probediff's model needs the same change)",
  patched: 'patched',
  neither: 'neither',
}

export function renderRegressText(r: RegressResult): string {
  const out: string[] = []
  // A line that fits is kept as it is (aligned columns); a longer one wraps at spaces.
  const w = (text: string, indent = '', hanging = indent + '  ') =>
    out.push(...(indent.length + text.length <= REGRESS_WIDTH ? [indent + text] : wrap(text, REGRESS_WIDTH, indent, hanging)))
  w(`probediff regress: ${summaryLine(r)}`, '', '  ')
  out.push('')
  const labelled = (label: string, text: string) => out.push(...wrap(text, REGRESS_WIDTH, label.padEnd(9), ' '.repeat(9)))
  labelled('base:', `${r.base.description}, Linux ${r.base.kernelVersion}${r.base.why ? ` [${r.base.why}]` : ''}`)
  labelled('patched:', `${r.patched.source}, Linux ${r.patched.kernelVersion}`)
  w(`config spaces: ${sourcesLine(r)}`, '', '  ')
  if (r.changes.length) w(modelLine(r), '', '  ')
  const cov = coverageLines(r)
  if (cov.length) out.push('')
  for (const l of cov) w(l.replace(/^ +/, ''), l.startsWith('  ') ? '  ' : '', '      ')
  for (const c of r.changes) {
    out.push('')
    w(deviceTitle(c), '', '    ')
    for (const k of c.kinds) {
      const f = FIELD[k]
      // setup-vq: where only a queue's messages changed, the messages below say it.
      if (f && f(c.base) !== f(c.patched)) w(`${k.padEnd(11)} ${f(c.base)} -> ${f(c.patched)}`, '  ', '              ')
    }
    for (const m of c.messagesRemoved) w(`- ${m}`, '  ', '      ')
    for (const m of c.messagesAdded) w(`+ ${m}`, '  ', '      ')
    const g = c.generatedFrom
    if (g) {
      const more = g.duplicates ? `; ${g.duplicates} more generated minimized to the same` : ''
      w(`minimized: ${g.changes.length} of ${g.changesBefore} changes from the seed${more}: ${g.changes.join(', ') || 'none'}`, '  ', '    ')
      if (g.reaches.length) w(`reaches: ${g.reaches.join(', ')}`, '  ', '    ')
    }
    w(`model agrees with: ${MODEL_WORDS[c.model]}`, '  ', '    ')
  }
  return sanitizeForTerminal(out.join('\n'))
}

const md = (s: string) => s.replace(/([|*_`<>[\]\\])/g, '\\$1')

export function renderRegressMarkdown(r: RegressResult): string {
  const out: string[] = [`## probediff regress: ${summaryLine(r)}`, '']
  out.push(`- **base**: ${md(r.base.description)}, Linux ${r.base.kernelVersion}${r.base.why ? ` (${md(r.base.why)})` : ''}`)
  out.push(`- **patched**: ${md(r.patched.source)}, Linux ${r.patched.kernelVersion}`)
  out.push(`- **config spaces**: ${sourcesLine(r)}`)
  const cov = coverageLines(r)
  if (cov.length) out.push('', '```', ...cov, '```', '')
  if (r.changes.length) {
    out.push(`- **model**: ${md(modelLine(r))}`, '')
    out.push('| case | BDF | QEMU device | base | patched | model |', '|---|---|---|---|---|---|')
    const brief = (o: SideOutcome) => `${o.rc} ${o.transport}${o.virtioDeviceId ? ` ${o.virtioDeviceId}` : ''}`
    for (const c of r.changes) {
      out.push(`| ${md(c.case)} | ${c.bdf} | ${md(c.qemuDevice ?? '-')} | ${md(brief(c.base))} | ${md(brief(c.patched))} | ${c.model} |`)
    }
    for (const c of r.changes) {
      out.push('', `### ${md(deviceTitle(c))}`, '')
      for (const k of c.kinds) {
        const f = FIELD[k]
        if (f) out.push(`- ${k}: \`${f(c.base)}\` → \`${f(c.patched)}\``)
      }
      if (c.messagesRemoved.length || c.messagesAdded.length) {
        out.push('', '```diff', ...c.messagesRemoved.map((m) => `- ${m}`), ...c.messagesAdded.map((m) => `+ ${m}`), '```')
      }
    }
  }
  return sanitizeForTerminal(out.join('\n'))
}

/** `--json`: the result with the stable keys first. */
export function regressToJson(r: RegressResult): unknown {
  return {
    changes: r.changes,
    configSpaces: r.configSpaces,
    coverage: r.coverage,
    base: r.base,
    patched: r.patched,
    modelProfile: r.modelProfile,
    seconds: r.seconds,
  }
}
