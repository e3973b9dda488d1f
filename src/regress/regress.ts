/**
 * `probediff regress`: a kernel patch against its base. Both trees build as oracles (cached by the
 * hash of their sources), every config space probediff knows runs through both, and what differs is
 * reported with the side the model agrees with (the model at the patched oracle's release): 'base'
 * means probediff's model would need the patch's change too, 'patched' that it already has it.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {KernelProfile} from '../model/profiles.js'
import {predict} from '../model/virtio-pci-probe.js'
import {buildOracle, type BuildResult} from '../oracle/build.js'
import {compareWithModel, modelQueues} from '../oracle/compare.js'
import {oracleCacheDir} from '../oracle/paths.js'
import {oracleProfile} from '../oracle/resolve.js'
import type {OracleResult} from '../oracle/result.js'
import {OracleProcess} from '../oracle/run.js'
import {CoverageRun, type CoverageFigures, type CoverageReport} from '../oracle/coverage.js'
import type {BaseSource} from './base-source.js'
import {type ChangedLine, changedLines} from './changed-lines.js'
import {type ConfigSpace, type ConfigSpaceSource} from './config-spaces.js'
import {messageTemplate} from '../oracle/fuzz/fuzz.js'
import {type Budget, generateForTargets, type GenerationResult, type MinimizedCase, minimizeDiffering} from './generate.js'
import {describeChange} from './minimize.js'
import {generatedCaseName} from './save-cases.js'
import {hex} from '../util/hex.js'

/** What changed between the two sides, in the order the report lists them. */
export const CHANGE_KINDS = ['rc', 'transport', 'virtio-id', 'config-ops', 'mappings', 'messages', 'setup-vq', 'undetermined'] as const
export type ChangeKind = (typeof CHANGE_KINDS)[number]

/** One side's outcome for a config space (the stable `--json` shape). */
export interface SideOutcome {
  readonly transport: string
  readonly rc: string
  /** `0x1`, or null when the probe did not get that far. */
  readonly virtioDeviceId: string | null
  readonly configOps: string | null
  readonly messages: readonly {readonly level: string; readonly text: string}[]
  /** Established pci_iomap_range mappings: `BAR 4 +0x0 len 0x1000`. */
  readonly mappings: readonly string[]
  /** Per queue, when the config space gives queue_notify_off values: the notify mapping
   * (vp_modern_map_vq_notify) and its messages. */
  readonly setupVq?: readonly {
    readonly index: number
    readonly notifyOff: string
    readonly notify: string
    readonly messages: readonly {readonly level: string; readonly text: string}[]
  }[]
}

export type ModelSide = 'base' | 'patched' | 'neither'

export interface RegressChange {
  readonly case: string
  readonly source: ConfigSpaceSource
  readonly series: string | null
  readonly bdf: string
  readonly qemuDevice: string | null
  readonly kinds: readonly ChangeKind[]
  readonly base: SideOutcome
  readonly patched: SideOutcome
  readonly messagesAdded: readonly string[]
  readonly messagesRemoved: readonly string[]
  readonly model: ModelSide
  /** A generated config space, minimized: the known config space it descends from, the mutations
   * that made it, the fewest changes from the seed that still differ the same way (of how many), how
   * many other generated config spaces minimized to the same, and the changed lines it reaches on its own. */
  readonly generatedFrom?: {
    readonly configSpace: string
    readonly mutations: readonly string[]
    readonly changes: readonly string[]
    readonly changesBefore: number
    readonly duplicates: number
    readonly reaches: readonly string[]
  }
}

export interface RegressSideInfo {
  readonly source: string
  /** How the side was chosen (`HEAD~1 (abc1234 "subject")`, `working tree`, a directory). */
  readonly description: string
  readonly why?: string
  readonly kernelVersion: string
  readonly oracle: string
  readonly cached: boolean
  readonly buildSeconds: number
}

export interface RegressResult {
  readonly base: RegressSideInfo
  readonly patched: RegressSideInfo
  /** The model profile the sides were compared with (the patched oracle's release). */
  readonly modelProfile: string | null
  readonly configSpaces: {
    readonly total: number
    readonly changed: number
    readonly bySource: Readonly<Record<ConfigSpaceSource, number>>
    readonly byKind: Readonly<Partial<Record<ChangeKind, number>>>
    readonly model: Readonly<Record<ModelSide, number>>
  }
  readonly changes: readonly RegressChange[]
  /** Every config space run, in order (KTAP and JUnit list the unchanged ones too). */
  readonly ran: readonly {readonly case: string; readonly bdf: string; readonly qemuDevice: string | null}[]
  /** With --coverage: gcov line and branch coverage of the kernel's probe code on both sides, and
   * the lines the patch changed with whether any config space ran them. Null otherwise. */
  readonly coverage: RegressCoverage | null
  /** The generated config spaces behind the `generated` changes (same order). */
  readonly findings: readonly GeneratedFinding[]
  readonly seconds: {readonly build: number; readonly run: number}
}

export interface ChangedLineCoverage extends ChangedLine {
  /** Times the config spaces ran it on its side; null when the line is not executable code. */
  readonly count: number | null
}

export interface RegressCoverage {
  readonly base: CoverageFigures
  readonly patched: CoverageFigures
  readonly changedLines: readonly ChangedLineCoverage[]
  /** Executable changed lines no config space reaches. */
  readonly unreached: readonly ChangedLineCoverage[]
  /** With --budget: the generated config spaces (cumulative coverage: known plus generated). */
  readonly generation: {
    readonly configSpaces: number
    readonly batches: number
    readonly changed: number
    /** After minimization, the distinct ones (reported as changes). */
    readonly minimized: number
    readonly base: CoverageFigures
    readonly patched: CoverageFigures
    /** Changed lines still not reached after generation. */
    readonly unreached: readonly ChangedLineCoverage[]
  } | null
}

export interface RegressOptions {
  readonly patchedTree: string
  readonly base: BaseSource
  readonly configSpaces: readonly ConfigSpace[]
  /** Where the builds are cached (default $PROBEDIFF_CACHE/oracle/regress/builds). */
  readonly cacheRoot?: string
  /** Build both sides with gcov and measure coverage. */
  readonly coverage?: boolean
  /** With coverage: how much generation may do to reach the changed lines (a count or a time). */
  readonly budget?: Budget
}

/** A generated, minimized config space that differs, for `--save-cases`. */
export interface GeneratedFinding {
  readonly change: RegressChange
  readonly minimized: MinimizedCase
  /** The changed lines it reaches on its own, with the kernel function each is in. */
  readonly reaches: readonly {readonly file: string; readonly line: number; readonly side: 'base' | 'patched'; readonly text: string; readonly function: string | null}[]
}


export function sideOutcome(r: OracleResult): SideOutcome {
  return {
    transport: r.transport,
    rc: r.rc,
    virtioDeviceId: r.virtioDeviceId === undefined ? null : hex(r.virtioDeviceId),
    configOps: r.configOps ?? null,
    messages: r.messages.map((m) => ({level: m.level, text: m.text})),
    mappings: r.mappings.filter((m) => m.ok).map((m) => `BAR ${m.bar} +${hex(m.offset)} len ${hex(m.length)}`),
    ...(r.queues
      ? {
          setupVq: r.queues.map((q) => {
            const m = q.mappings.find((x) => x.ok)
            return {
              index: q.index,
              notifyOff: hex(q.notifyOff),
              notify: !q.mapped ? 'not mapped' : m ? `BAR ${m.bar} +${hex(m.offset)} len ${hex(m.length)}` : 'in the notify mapping',
              messages: q.messages.map((x) => ({level: x.level, text: x.text})),
            }
          }),
        }
      : {}),
  }
}

/** The probe's messages, then each queue's notify-mapping messages. */
export const allMessages = (o: SideOutcome) => [...o.messages, ...(o.setupVq ?? []).flatMap((q) => q.messages)]
export const setupVqText = (o: SideOutcome): string => (o.setupVq ?? []).map((q) => `queue ${q.index} (notify_off ${q.notifyOff}): ${q.notify}`).join(', ') || 'none'

const messageKey = (m: {level: string; text: string}) => `<${m.level}> ${m.text}`

/** The kinds of difference between two outcomes; empty when they are the same. */
export function changeKinds(a: SideOutcome, b: SideOutcome): ChangeKind[] {
  const kinds: ChangeKind[] = []
  if ((a.rc === 'undetermined') !== (b.rc === 'undetermined')) kinds.push('undetermined')
  if (a.rc !== b.rc) kinds.push('rc')
  if (a.transport !== b.transport) kinds.push('transport')
  if (a.virtioDeviceId !== b.virtioDeviceId) kinds.push('virtio-id')
  if (a.configOps !== b.configOps) kinds.push('config-ops')
  if (a.mappings.join('\n') !== b.mappings.join('\n')) kinds.push('mappings')
  if (a.messages.map(messageKey).join('\n') !== b.messages.map(messageKey).join('\n')) kinds.push('messages')
  if (setupVqText(a) !== setupVqText(b) || allMessages(a).map(messageKey).join('\n') !== allMessages(b).map(messageKey).join('\n')) kinds.push('setup-vq')
  return CHANGE_KINDS.filter((k) => kinds.includes(k))
}

function changeOf(c: ConfigSpace, baseR: OracleResult, patchedR: OracleResult, profile: KernelProfile | undefined, queueNotifyOffs?: readonly number[]): RegressChange | undefined {
  const b = sideOutcome(baseR)
  const p = sideOutcome(patchedR)
  const kinds = changeKinds(b, p)
  if (kinds.length === 0) return undefined
  let model: ModelSide = 'neither'
  if (profile) {
    const predicted = predict(c.input, profile)
    // With the per-queue notify mapping too, where the config space gave queues.
    const queues = queueNotifyOffs?.length ? modelQueues(c.input, profile, predicted, queueNotifyOffs) : undefined
    if (compareWithModel(baseR, predicted, queues).verdict === 'agree') model = 'base'
    else if (compareWithModel(patchedR, predicted, queues).verdict === 'agree') model = 'patched'
  }
  const before = new Set(allMessages(b).map(messageKey))
  const after = new Set(allMessages(p).map(messageKey))
  return {
    case: c.caseName,
    source: c.source,
    series: c.series ?? null,
    bdf: c.bdf,
    qemuDevice: c.qemuDevice ?? null,
    kinds,
    base: b,
    patched: p,
    messagesAdded: [...after].filter((m) => !before.has(m)),
    messagesRemoved: [...before].filter((m) => !after.has(m)),
    model,
  }
}

function buildSide(tree: string, label: string, cacheRoot: string, coverage: boolean): BuildResult {
  return buildOracle({kernelSource: tree, cacheRoot, label, coverage})
}

/**
 * The count of a changed line. gcov counts a statement on its first line, so a continuation line (an
 * argument of a multi-line dev_err call) takes the count of the line its statement starts on.
 */
function withCounts(lines: readonly ChangedLine[], dirs: {base: string; patched: string}, base: CoverageReport, patched: CoverageReport): ChangedLineCoverage[] {
  const texts = new Map<string, string[]>()
  const textOf = (side: 'base' | 'patched', file: string) => {
    const key = `${side}\0${file}`
    if (!texts.has(key)) texts.set(key, readFileSync(join(dirs[side], file), 'utf8').split('\n'))
    return texts.get(key)!
  }
  return lines.map((l) => {
    const counts = (l.side === 'base' ? base : patched).perLine.get(l.file)
    let count = counts?.get(l.line)
    const text = textOf(l.side, l.file)
    for (let n = l.line - 1; count === undefined && n > 0 && n >= l.line - 20; n--) {
      if (/[;{}]\s*$/.test(text[n - 1] ?? '')) break
      count = counts?.get(n)
    }
    return {...l, count: count ?? null}
  })
}

const figures = (c: CoverageReport): CoverageFigures => ({lines: c.lines, branches: c.branches})

/** What differs between the sides, kept while minimizing: the kinds, and the messages added and
 * removed with their numbers masked (so the minimized case hits the same check, not another one). */
function differenceSignature(x: OracleResult, y: OracleResult): string | undefined {
  const a = sideOutcome(x)
  const b = sideOutcome(y)
  const kinds = changeKinds(a, b)
  if (kinds.length === 0) return undefined
  const before = new Set(allMessages(a).map((m) => messageTemplate(m.text)))
  const after = new Set(allMessages(b).map((m) => messageTemplate(m.text)))
  return JSON.stringify([kinds, [...after].filter((m) => !before.has(m)), [...before].filter((m) => !after.has(m))])
}

/**
 * The target lines one config space reaches when run alone (gcov, a fresh run per side), with the
 * kernel function each is in (the gcov function starting last before it).
 */
async function linesReached(
  m: MinimizedCase,
  trees: {base: string; patched: string},
  builds: {base: BuildResult; patched: BuildResult},
  targets: readonly ChangedLine[],
): Promise<GeneratedFinding['reaches']> {
  const runs = [new CoverageRun(builds.base.dir), new CoverageRun(builds.patched.dir)] as const
  try {
    const procs = [new OracleProcess(builds.base.binary, runs[0].env), new OracleProcess(builds.patched.binary, runs[1].env)]
    try {
      await Promise.all(procs.map((p) => p.run(m.case)))
    } finally {
      await Promise.all(procs.map((p) => p.close()))
    }
    const [b, p] = [runs[0].collect(), runs[1].collect()]
    return withCounts(targets, trees, b, p)
      .filter((l) => (l.count ?? 0) > 0)
      .map((l) => {
        const fn = (l.side === 'base' ? b : p).functions.filter((f) => f.file === l.file && f.line <= l.line).sort((x, y) => y.line - x.line)[0]
        return {file: l.file, line: l.line, side: l.side, text: l.text, function: fn?.name ?? null}
      })
  } finally {
    for (const r of runs) r.dispose()
  }
}

export async function runRegress(opts: RegressOptions): Promise<RegressResult> {
  const cacheRoot = opts.cacheRoot ?? join(oracleCacheDir(), 'regress', 'builds')
  const t0 = process.hrtime.bigint()
  const gcov = opts.coverage === true
  const base = buildSide(opts.base.dir, 'regress-base', cacheRoot, gcov)
  const patched = buildSide(opts.patchedTree, 'regress-patched', cacheRoot, gcov)
  const t1 = process.hrtime.bigint()

  const cases = opts.configSpaces.map((c, i) => ({id: `c${i}`, input: c.input}))
  const runs = gcov ? [new CoverageRun(base.dir), new CoverageRun(patched.dir)] : undefined
  const baseProc = new OracleProcess(base.binary, runs?.[0]!.env)
  const patchedProc = new OracleProcess(patched.binary, runs?.[1]!.env)
  let baseOut: OracleResult[]
  let patchedOut: OracleResult[]
  let coverage: RegressCoverage | null = null
  let generation: GenerationResult | undefined
  let minimized: MinimizedCase[] = []
  let reaches: GeneratedFinding['reaches'][] = []
  try {
    try {
      ;[baseOut, patchedOut] = await Promise.all([baseProc.runAll(cases), patchedProc.runAll(cases)])
    } finally {
      await Promise.all([baseProc.close(), patchedProc.close()])
    }
    if (runs) {
      const [b, p] = runs.map((r) => r.collect()) as [CoverageReport, CoverageReport]
      const dirs = {base: opts.base.dir, patched: opts.patchedTree}
      const changed = changedLines(opts.base.dir, opts.patchedTree)
      const lines = withCounts(changed, dirs, b, p)
      const unreached = lines.filter((l) => l.count === 0)
      let generated: RegressCoverage['generation'] = null
      if (opts.budget && unreached.length > 0) {
        generation = await generateForTargets({
          seeds: opts.configSpaces,
          binaries: {base: base.binary, patched: patched.binary},
          runs: [runs[0]!, runs[1]!],
          targets: unreached,
          budget: opts.budget,
          differs: (x, y) => changeKinds(sideOutcome(x), sideOutcome(y)).length > 0,
          isReached: (t, b, p) => (withCounts([t], dirs, b, p)[0]!.count ?? 0) > 0,
        })
        const scratch = [new CoverageRun(base.dir), new CoverageRun(patched.dir)] as const
        try {
          minimized = await minimizeDiffering(generation.differing, {base: base.binary, patched: patched.binary}, differenceSignature, [scratch[0].env, scratch[1].env])
        } finally {
          for (const r of scratch) r.dispose()
        }
        reaches = []
        for (const m of minimized) reaches.push(await linesReached(m, dirs, {base, patched}, unreached))
        const after = withCounts(changed, dirs, generation.base, generation.patched)
        generated = {
          configSpaces: generation.generated,
          batches: generation.batches,
          changed: generation.differing.length,
          minimized: minimized.length,
          base: figures(generation.base),
          patched: figures(generation.patched),
          unreached: after.filter((l) => l.count === 0),
        }
      }
      coverage = {base: figures(b), patched: figures(p), changedLines: lines, unreached, generation: generated}
    }
  } finally {
    for (const r of runs ?? []) r.dispose()
  }

  const profile = oracleProfile({binary: patched.binary, manifest: patched.manifest})
  const changes: RegressChange[] = []
  for (const [i, c] of opts.configSpaces.entries()) {
    const change = changeOf(c, baseOut[i]!, patchedOut[i]!, profile)
    if (change) changes.push(change)
  }
  const findings: GeneratedFinding[] = []
  for (const [i, g] of minimized.entries()) {
    const space: ConfigSpace = {caseName: generatedCaseName(g.image), source: 'generated', bdf: g.case.input.bdf, input: g.case.input}
    const change = changeOf(space, g.base, g.patched, profile, g.case.queueNotifyOffs)
    if (!change) continue
    const reached = reaches[i] ?? []
    const withOrigin: RegressChange = {
      ...change,
      generatedFrom: {
        configSpace: g.from,
        mutations: g.ops,
        changes: g.changes.map(describeChange),
        changesBefore: g.changesBefore,
        duplicates: g.duplicates,
        reaches: reached.map((l) => `${l.file}:${l.line}${l.function ? ` (${l.function})` : ''}`),
      },
    }
    changes.push(withOrigin)
    findings.push({change: withOrigin, minimized: g, reaches: reached})
  }
  const t2 = process.hrtime.bigint()

  const bySource: Record<ConfigSpaceSource, number> = {capture: 0, fault: 0, user: 0, input: 0, generated: generation?.generated ?? 0}
  for (const c of opts.configSpaces) bySource[c.source]++
  const byKind: Partial<Record<ChangeKind, number>> = {}
  for (const ch of changes) for (const k of ch.kinds) byKind[k] = (byKind[k] ?? 0) + 1
  const modelCount: Record<ModelSide, number> = {base: 0, patched: 0, neither: 0}
  for (const ch of changes) modelCount[ch.model]++

  const side = (r: BuildResult, source: string, description: string, why?: string): RegressSideInfo => ({
    source,
    description,
    ...(why ? {why} : {}),
    kernelVersion: r.manifest.kernelVersion,
    oracle: r.binary,
    cached: r.cached,
    buildSeconds: r.manifest.buildSeconds,
  })
  return {
    base: side(base, opts.base.dir, opts.base.description, opts.base.why),
    patched: side(patched, opts.patchedTree, 'the tree as it is'),
    modelProfile: profile?.name ?? null,
    configSpaces: {total: opts.configSpaces.length, changed: changes.length, bySource, byKind, model: modelCount},
    changes,
    ran: [
      ...opts.configSpaces.map((c) => ({case: c.caseName, bdf: c.bdf, qemuDevice: c.qemuDevice ?? null})),
      ...changes.filter((c) => c.source === 'generated').map((c) => ({case: c.case, bdf: c.bdf, qemuDevice: null})),
    ],
    coverage,
    findings,
    seconds: {build: Number(t1 - t0) / 1e9, run: Number(t2 - t1) / 1e9},
  }
}
