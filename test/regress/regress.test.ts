/**
 * `probediff regress` on Debian's 6.1 tree: a git copy of the files the oracle reads, patched three
 * ways. A comment changes nothing; making "leaving for legacy driver" return -EINVAL changes exactly
 * the config spaces the model sends down that path; a 128x minimum length in the map changes every
 * device the model probes as modern. The KTAP output goes through the kernel's own parser.
 */
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import Regress from '../../src/commands/regress.js'
import {profileByName} from '../../src/model/profiles.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {oracleCacheDir} from '../../src/oracle/paths.js'
import {TREE_FILES} from '../../src/oracle/recipe.js'
import {resolveBase} from '../../src/regress/base-source.js'
import {collectConfigSpaces, type ConfigSpace} from '../../src/regress/config-spaces.js'
import {listCases, readCaseMeta} from '../../src/corpus/corpus.js'
import {runRegress} from '../../src/regress/regress.js'
import {renderRegressJunit, renderRegressKtap} from '../../src/regress/ktap.js'
import {renderRegressMarkdown} from '../../src/regress/report.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'
import {availability, debianTree, hasGcc, IN_CI} from '../oracle/oracle-env.js'

const source = hasGcc() ? debianTree('6.1') : undefined
const work = mkdtempSync(join(tmpdir(), 'probediff-regress-'))
const cache = join(work, 'cache')
afterAll(() => rmSync(work, {recursive: true, force: true}))

/** The kernel's KTAP parser, when scripts/ci-ktap-check.sh (CI) has fetched it. */
const kunit = join(oracleCacheDir(), 'debian', '6.1', 'kunit', 'tools', 'testing', 'kunit')
const MODERN_DEV = 'drivers/virtio/virtio_pci_modern_dev.c'
const git = (tree: string, ...args: string[]) => {
  const r = spawnSync('git', ['-C', tree, '-c', 'user.name=probediff test', '-c', 'user.email=test@probediff', ...args], {encoding: 'utf8'})
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

/** A git repository holding the oracle's files of the Debian tree, committed once. */
function gitTree(name: string): string {
  const dir = join(work, name)
  for (const f of TREE_FILES) {
    if (!existsSync(join(source!, f))) continue
    mkdirSync(dirname(join(dir, f)), {recursive: true})
    cpSync(join(source!, f), join(dir, f))
  }
  git(dir, 'init', '-q')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'Debian linux-source-6.1')
  return dir
}

function edit(tree: string, file: string, from: string, to: string): void {
  const before = readFileSync(join(tree, file), 'utf8')
  expect(before.includes(from), `the patch to ${file} does not apply`).toBe(true)
  writeFileSync(join(tree, file), before.replace(from, to))
}

interface JsonChange {
  case: string
  bdf: string
  qemuDevice: string | null
  base: {transport: string; rc: string; virtioDeviceId: string | null; messages: unknown[]; mappings: string[]}
  patched: {transport: string; rc: string}
  model: string
}

const regress = (args: string[]) => runCli(Regress, ['--root', PROJECT_ROOT, ...args], {PROBEDIFF_CACHE: cache})
const key = (c: {caseName?: string; case?: string; bdf: string}) => `${c.caseName ?? c.case} ${c.bdf}`

describe.skipIf(!availability('regress on a patched 6.1 tree', source !== undefined))('probediff regress on Debian 6.1', () => {
  let spaces: ConfigSpace[]
  const profile = profileByName('6.1')!
  beforeAll(async () => {
    spaces = await collectConfigSpaces({tracesDir: join(PROJECT_ROOT, 'traces'), includeCorpus: true, paths: [], onSkip: () => {}})
  })

  it('a comment-only patch changes nothing: exit 0, the base is HEAD because the tree is dirty', async () => {
    const tree = gitTree('comment')
    edit(tree, MODERN_DEV, '#include <linux/delay.h>', '#include <linux/delay.h>\n/* a comment */')
    const run = await regress(['--kernel-source', tree])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^probediff regress: ${spaces.length} config spaces, 0 changed$`, 'm'))
    expect(run.stdout).toMatch(/^base: {4}HEAD \([0-9a-f]+ "Debian linux-source-6\.1"\), Linux 6\.1\.\d+/m)
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('[default: the tree has uncommitted changes]')
    // The checkout is untouched: still dirty, same HEAD, nothing stashed.
    expect(git(tree, 'status', '--porcelain')).toBe(` M ${MODERN_DEV}\n`)
    expect(git(tree, 'stash', 'list')).toBe('')
    const expect1 = await regress(['--kernel-source', tree, '--no-corpus', join(PROJECT_ROOT, 'traces', 'k6.1-pc-legacy-only'), '--expect-changes'])
    expect(expect1.exitCode).toBe(1)
  })

  it('"leaving for legacy driver" returning -EINVAL changes exactly the devices the model sends there', async () => {
    const tree = gitTree('legacy-einval')
    edit(tree, MODERN_DEV, '"virtio_pci: leaving for legacy driver\\n");\n\t\treturn -ENODEV;', '"virtio_pci: leaving for legacy driver\\n");\n\t\treturn -EINVAL;')
    git(tree, 'commit', '-q', '-am', 'virtio_pci: fail devices without a common capability')
    const run = await regress(['--kernel-source', tree, '--json'])
    expect(run.exitCode, run.stderr).toBe(1)
    const json = JSON.parse(run.stdout) as {changes: JsonChange[]; configSpaces: {total: number; changed: number}; coverage: unknown}
    expect(Object.keys(json).slice(0, 3)).toEqual(['changes', 'configSpaces', 'coverage'])
    const predicted = spaces.filter((s) => predict(s.input, profile).messages.some((m) => m.endsWith('virtio_pci: leaving for legacy driver')))
    expect(predicted.length).toBeGreaterThan(9)
    expect(json.changes.map(key).sort()).toEqual(predicted.map(key).sort())
    expect(json.configSpaces).toMatchObject({total: spaces.length, changed: predicted.length})
    for (const c of json.changes) {
      expect(c.patched.rc, key(c)).toBe('EINVAL')
      // probediff's model is the stock kernel's: it agrees with the base.
      expect(c.model, key(c)).toBe('base')
    }
    const legacyOnly = json.changes.find((c) => c.case === 'k6.1-pc-legacy-only' && c.bdf === '0000:00:02.0')!
    expect(legacyOnly).toMatchObject({qemuDevice: 'virtio-net-pci', base: {transport: 'legacy', rc: '0', virtioDeviceId: '0x1'}, patched: {transport: 'none', rc: 'EINVAL'}})
    const one = join(PROJECT_ROOT, 'traces', 'k6.1-pc-legacy-only')
    expect(await regress(['--kernel-source', tree, '--no-corpus', one, '--expect-changes']).then((r) => r.exitCode)).toBe(0)

    // The default base of a clean tree is HEAD~1; the text report fits 80 columns.
    const text = await regress(['--kernel-source', tree])
    expect(text.stdout).toMatch(/^base: {4}HEAD~1 \([0-9a-f]+ "Debian linux-source-6\.1"\)/m)
    expect(text.stdout.replace(/\s+/g, ' ')).toContain('[default: the tree is clean, so the patch is the last commit]')
    expect(text.stdout).toMatch(/^k6\.1-pc-legacy-only 0000:00:02\.0 virtio-net-pci \(captured on 6\.1\)\n {2}rc {10}0 -> EINVAL\n {2}transport {3}legacy -> none$/m)
    expect(text.stdout).toContain('  + <warn> virtio-pci: probe of 0000:00:02.0 failed with error -22')
    expect(text.stdout.split('\n').filter((l) => l.length > 80)).toEqual([])

    // The other formats, from one run of the library (the CLI only picks the renderer).
    const saved = process.env.PROBEDIFF_CACHE
    process.env.PROBEDIFF_CACHE = cache
    const result = await runRegress({patchedTree: tree, base: resolveBase({tree}), configSpaces: spaces}).finally(() => {
      if (saved === undefined) delete process.env.PROBEDIFF_CACHE
      else process.env.PROBEDIFF_CACHE = saved
    })
    expect(renderRegressMarkdown(result)).toMatch(/^\| k6\.1-pc-legacy-only \| 0000:00:02\.0 \| virtio-net-pci \| 0 legacy 0x1 \| EINVAL none \| base \|$/m)
    expect(renderRegressJunit(result)).toContain(`<testsuite name="probediff regress" tests="${spaces.length}" failures="${predicted.length}"`)
    const ktap = {stdout: renderRegressKtap(result)}
    expect(ktap.stdout.startsWith('KTAP version 1\n')).toBe(true)
    const junitFile = join(work, 'regress-junit.xml')
    const cliKtap = await regress(['--kernel-source', tree, '--no-corpus', join(PROJECT_ROOT, 'traces', 'k6.1-pc-legacy-only'), '--output', 'ktap', '--junit', junitFile])
    expect(cliKtap.stdout).toMatch(/^ {4}not ok 1 0000:00:02\.0$/m)
    expect(readFileSync(junitFile, 'utf8')).toContain('<testsuite name="probediff regress" tests="3" failures="3"')
    if (existsSync(join(kunit, 'kunit.py'))) {
      const file = join(work, 'regress.ktap')
      writeFileSync(file, ktap.stdout)
      const parsed = spawnSync('python3', [join(kunit, 'kunit.py'), 'parse', file], {encoding: 'utf8'})
      expect(parsed.stdout).toContain(`Ran ${spaces.length} tests: passed: ${spaces.length - predicted.length}, failed: ${predicted.length}`)
      expect(parsed.stdout).not.toMatch(/ERROR|errors:/)
    } else if (!IN_CI) {
      console.warn('\n[regress tests] KTAP not checked with kunit_parser.py: run scripts/ci-ktap-check.sh once to fetch it\n')
    }
  })

  it('a 128x minimum length in vp_modern_map_capability changes every device the model probes as modern', async () => {
    const tree = gitTree('stricter-minlen')
    edit(tree, MODERN_DEV, 'if (length - start < minlen) {', 'if (length - start < minlen * 128) {')
    const run = await regress(['--kernel-source', tree, '--json'])
    expect(run.exitCode, run.stderr).toBe(1)
    const json = JSON.parse(run.stdout) as {changes: JsonChange[]}
    const modern = spaces.filter((s) => predict(s.input, profile).transport === 'modern').map(key).sort()
    expect(modern.length).toBeGreaterThan(40)
    const changed = json.changes.map(key).sort()
    expect(changed.filter((c) => modern.includes(c))).toEqual(modern)
    for (const c of json.changes.filter((x) => modern.includes(key(x)))) {
      expect(c.base.transport).toBe('modern')
      expect(c.patched.rc).toBe('EINVAL')
    }
  })

  it('--coverage: gcov figures for both sides; a changed line no config space reaches is named', async () => {
    const tree = gitTree('wrap-around')
    edit(tree, MODERN_DEV, '"virtio_pci: map wrap-around %u+%u\\n",', '"virtio_pci: map wraps around %u+%u\\n",')
    const run = await regress(['--kernel-source', tree, '--coverage', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const cov = (JSON.parse(run.stdout) as {coverage: {base: {lines: {hit: number; total: number}}; changedLines: {file: string; line: number; count: number | null}[]; unreached: {file: string; line: number}[]}}).coverage
    expect(cov.base.lines.total).toBeGreaterThan(200)
    expect(cov.base.lines.hit).toBeGreaterThan(cov.base.lines.total / 2)
    expect(cov.base.lines.hit).toBeLessThan(cov.base.lines.total)
    const line = readFileSync(join(tree, MODERN_DEV), 'utf8').split('\n').findIndex((l) => l.includes('map wraps around')) + 1
    expect(cov.changedLines).toEqual([expect.objectContaining({file: MODERN_DEV, line, count: 0})])
    expect(cov.unreached).toEqual([expect.objectContaining({file: MODERN_DEV, line})])
    const text = await regress(['--kernel-source', tree, '--coverage'])
    expect(text.stdout).toMatch(/^ {2}changed lines: 1, executable 1, reached 0, not reached 1$/m)
    expect(text.stdout.replace(/\s+/g, ' ')).toContain(` not reached: ${MODERN_DEV}:${line}: "virtio_pci: map wraps around %u+%u\\n",`)
    expect(text.stdout.split('\n').filter((l) => l.length > 80)).toEqual([])
  })

  it('--budget: generation reaches a changed line no known config space reaches; each difference is minimized and saved as a case', {timeout: 300_000}, async () => {
    // A message added where mapping the device-specific config fails: no corpus case gets there.
    const tree = gitTree('device-map')
    edit(tree, MODERN_DEV, '\t\tif (!mdev->device)\n\t\t\tgoto err_map_device;', '\t\tif (!mdev->device)\n\t\t\t{ dev_err(&pci_dev->dev, "virtio_pci: device config not mapped\\n"); goto err_map_device; }')
    const line = readFileSync(join(tree, MODERN_DEV), 'utf8').split('\n').findIndex((l) => l.includes('device config not mapped')) + 1
    const saved = join(work, 'saved-cases')
    const run = await regress(['--kernel-source', tree, '--coverage', '--budget', '4000', '--json', '--save-cases', saved])
    expect(run.exitCode, run.stderr).toBe(1)
    const json = JSON.parse(run.stdout) as {
      changes: (JsonChange & {source: string; messagesAdded: string[]; generatedFrom?: {configSpace: string; mutations: string[]; changes: string[]; changesBefore: number; duplicates: number; reaches: string[]}})[]
      coverage: {unreached: unknown[]; generation: {configSpaces: number; changed: number; minimized: number; unreached: unknown[]; patched: {lines: {hit: number}}}; patched: {lines: {hit: number}}}
      savedCases: {dir: string; written: string[]; existing: string[]}
    }
    expect(json.coverage.unreached.length).toBe(1)
    expect(json.coverage.generation.unreached).toEqual([])
    expect(json.coverage.generation.configSpaces).toBeLessThanOrEqual(4000)
    expect(json.coverage.generation.patched.lines.hit).toBeGreaterThan(json.coverage.patched.lines.hit)
    expect(json.changes.length).toBeGreaterThan(0)
    expect(json.coverage.generation.minimized).toBe(json.changes.length)
    expect(json.coverage.generation.changed).toBe(json.changes.reduce((n, c) => n + 1 + c.generatedFrom!.duplicates, 0))
    for (const c of json.changes) {
      expect(c.source).toBe('generated')
      const g = c.generatedFrom!
      expect(g.mutations.length).toBeGreaterThan(0)
      // Minimized: a handful of byte changes out of the thousands the generator made.
      expect(g.changes.length).toBeGreaterThan(0)
      expect(g.changes.length).toBeLessThanOrEqual(4)
      expect(g.changesBefore).toBeGreaterThan(g.changes.length)
      expect(g.reaches).toEqual([`${MODERN_DEV}:${line} (vp_modern_probe)`])
      expect(c.messagesAdded).toEqual([`<err> virtio-pci ${c.bdf}: virtio_pci: device config not mapped`])
    }
    expect(json.savedCases).toEqual({dir: saved, written: expect.any(Array), existing: []})
    expect(json.savedCases.written.sort()).toEqual(json.changes.map((c) => c.case).sort())

    // The saved cases: valid case.json naming the check, and they change again when given back.
    const paths = {root: work, tracesDir: saved, goldenDir: join(work, 'no-golden')}
    const names = await listCases(paths)
    expect(names.length).toBe(json.changes.length)
    for (const name of names) {
      const meta = await readCaseMeta(paths, name)
      expect(meta).toMatchObject({kind: 'generated', replay: {kernel: '6.1'}, kernelCheck: {function: 'vp_modern_probe', file: MODERN_DEV, message: expect.stringContaining('device config not mapped')}})
      expect((meta.mutation as unknown[]).length).toBeGreaterThan(0)
      // The seed is a known config space: a corpus case (capture or fault case) and one of its functions.
      const seed = (meta.seed as {configSpace: string}).configSpace.split(' ')
      expect(existsSync(join(PROJECT_ROOT, 'traces', seed[0]!, 'case.json'))).toBe(true)
      expect(seed[1]).toMatch(/^0000:00:[0-9a-f]{2}\.[0-7]$/)
    }
    const again = await regress(['--kernel-source', tree, '--no-corpus', saved, '--json'])
    expect(again.exitCode).toBe(1)
    const back = (JSON.parse(again.stdout) as {changes: {messagesAdded: string[]}[]}).changes
    expect(back.length).toBe(names.length)
    for (const c of back) expect(c.messagesAdded).toEqual([expect.stringContaining('virtio_pci: device config not mapped')])

    // A time budget does the same; a budget that is neither count nor time, or no --coverage, is bad input.
    const timed = await regress(['--kernel-source', tree, '--coverage', '--budget', '1m', '--save-cases', saved])
    expect(timed.exitCode).toBe(1)
    expect(timed.stdout).toMatch(/^ {2}changed lines still not reached: 0$/m)
    expect(timed.stderr).toMatch(/^probediff: 0 generated case\(s\) written to .*, \d+ already there$/m)
    for (const bad of [['--budget', '10'], ['--coverage', '--budget', '2x'], ['--coverage', '--save-cases', saved]]) {
      const r = await regress(['--kernel-source', tree, ...bad])
      expect(r.exitCode, bad.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n').length).toBe(1)
    }
  })

  it('--budget: generation reaches the map wrap-around check through the per-queue notify mapping (setup_vq)', {timeout: 300_000}, async () => {
    // vp_modern_probe maps with start 0; only vp_modern_map_vq_notify passes a start (queue_notify_off x
    // notify_off_multiplier), so the check is reached only by queues the generator gives offsets.
    const tree = gitTree('wrap-around-queues')
    edit(tree, MODERN_DEV, '"virtio_pci: map wrap-around %u+%u\\n",', '"virtio_pci: map wraps around %u+%u\\n",')
    const line = readFileSync(join(tree, MODERN_DEV), 'utf8').split('\n').findIndex((l) => l.includes('map wraps around')) + 1
    const run = await regress(['--kernel-source', tree, '--coverage', '--budget', '20000', '--json'])
    expect(run.exitCode, run.stderr).toBe(1)
    const json = JSON.parse(run.stdout) as {
      changes: (JsonChange & {kinds: string[]; messagesAdded: string[]; messagesRemoved: string[]; base: {setupVq?: {notify: string; messages: {text: string}[]}[]}; generatedFrom?: {changes: string[]; reaches: string[]}})[]
      coverage: {unreached: unknown[]; generation: {unreached: unknown[]}}
    }
    expect(json.coverage.unreached.length).toBe(1)
    expect(json.coverage.generation.unreached).toEqual([])
    expect(json.changes.length).toBeGreaterThan(0)
    for (const c of json.changes) {
      expect(c.kinds).toEqual(['setup-vq'])
      // The model's own notify mapping of those queues is the stock kernel's.
      expect(c.model).toBe('base')
      expect(c.base.rc).toBe('0')
      expect(c.base.transport).toBe('modern')
      expect(c.messagesAdded).toEqual([expect.stringMatching(/^<err> virtio-pci \S+: virtio_pci: map wraps around \d+\+\d+$/)])
      expect(c.messagesRemoved).toEqual([expect.stringMatching(/^<err> virtio-pci \S+: virtio_pci: map wrap-around \d+\+\d+$/)])
      // The queue whose mapping hit the check is not mapped, on both sides.
      const q = c.base.setupVq!.find((x) => x.messages.some((m) => m.text.includes('map wrap-around')))!
      expect(q.notify).toBe('not mapped')
      expect(c.generatedFrom!.changes.some((x) => x.startsWith('queue_notify_off '))).toBe(true)
      expect(c.generatedFrom!.reaches).toEqual([`${MODERN_DEV}:${line} (vp_modern_map_capability)`])
    }
    const text = await regress(['--kernel-source', tree, '--coverage', '--budget', '20000'])
    // Only the messages changed (the queue is not mapped on either side): no setup-vq line, the messages.
    expect(text.stdout).not.toMatch(/^ {2}setup-vq/m)
    expect(text.stdout).toMatch(/^ {2}- <err> virtio-pci \S+: virtio_pci: map wrap-around/m)
    expect(text.stdout).toMatch(/^ {2}\+ <err> virtio-pci \S+: virtio_pci: map wraps around/m)
    expect(text.stdout.split('\n').filter((l) => l.length > 80)).toEqual([])
  })

  it('--base-source takes another directory; bad input exits 2 with one line', async () => {
    const stock = gitTree('stock')
    const patched = gitTree('other')
    edit(patched, MODERN_DEV, 'if (length - start < minlen) {', 'if (length - start < minlen * 128) {')
    const run = await regress(['--kernel-source', patched, '--base-source', stock, '--no-corpus', join(PROJECT_ROOT, 'traces', 'k6.1-pc-modern-only')])
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/^probediff regress: 3 config spaces, 3 changed/m)
    expect(run.stdout).toContain('3 from cases given')

    const notGit = join(work, 'not-git')
    mkdirSync(notGit, {recursive: true})
    const bad = [
      await regress(['--kernel-source', notGit]),
      await regress(['--kernel-source', stock, '--base', 'no-such-rev']),
      await regress(['--kernel-source', stock, '--base', 'HEAD', '--base-source', stock]),
      await regress(['--kernel-source', join(work, 'missing')]),
    ]
    for (const r of bad) {
      expect(r.exitCode, r.stdout + r.stderr).toBe(2)
      expect(r.stderr.trim().split('\n').length, r.stderr).toBe(1)
      expect(r.stderr).toMatch(/^probediff: /)
    }
    expect(bad[0]!.stderr).toContain('not a git checkout: give the base with --base-source DIR')
    expect(bad[1]!.stderr).toContain('--base no-such-rev: not a commit')
  })
})
