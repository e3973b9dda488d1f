/**
 * A kernel developer's use: patch a copy of a kernel tree, build the oracle from it with
 * `probediff oracle build --kernel-source`, and see exactly which corpus devices change outcome.
 * Also: builds are cached by the sources' hash, and a broken tree names the file or symbol at fault.
 */
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import Check from '../../src/commands/check.js'
import OracleBuild from '../../src/commands/oracle/build.js'
import OracleCorpus from '../../src/commands/oracle/corpus.js'
import {buildOracle} from '../../src/oracle/build.js'
import {type CorpusDevice, loadCorpus} from '../../src/oracle/corpus.js'
import {OracleBuildError, TREE_FILES} from '../../src/oracle/recipe.js'
import type {OracleResult} from '../../src/oracle/result.js'
import {runOracle} from '../../src/oracle/run.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'
import {availability, debianTree, hasGcc} from './oracle-env.js'

const source = hasGcc() ? debianTree('6.1') : undefined
const work = mkdtempSync(join(tmpdir(), 'probediff-oracle-patch-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

/** A copy of the files the oracle reads from the tree, with `edit` applied to one of them. */
function patchedCopy(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(work, name)
  for (const f of TREE_FILES) {
    try {
      mkdirSync(dirname(join(dir, f)), {recursive: true})
      cpSync(join(source!, f), join(dir, f))
    } catch {
      // optional files (the other series' layout) are absent
    }
  }
  const before = readFileSync(join(dir, file), 'utf8')
  const after = edit(before)
  expect(after, `the patch to ${file} did not apply`).not.toBe(before)
  writeFileSync(join(dir, file), after)
  return dir
}

describe.skipIf(!availability('patched kernel tree', source !== undefined))('oracle from a patched kernel tree', () => {
  let corpus: CorpusDevice[]
  let stock: OracleResult[]
  beforeAll(async () => {
    // The QEMU captures of 6.1 (the hand-made fault cases change in other ways: they are broken already).
    corpus = (await loadCorpus(join(PROJECT_ROOT, 'traces'), 'k6.1-*'))
    const built = buildOracle({kernelSource: source!, outDir: join(work, 'stock-build')})
    stock = await runOracle(built.binary, corpus.map((d) => d.input))
  })

  it('reports exactly the corpus devices a stricter minimum length in vp_modern_map_capability breaks', async () => {
    // The patch: every capability must be 128 times its minimum length (common: 7168 > QEMU's 4096).
    const tree = patchedCopy('stricter-minlen', 'drivers/virtio/virtio_pci_modern_dev.c', (t) =>
      t.replace('if (length - start < minlen) {', 'if (length - start < minlen * 128) {'),
    )
    const out = join(work, 'stricter-build')
    const cli = await runCli(OracleBuild, ['--kernel-source', tree, '--out', out])
    expect(cli.exitCode, cli.stderr).toBe(0)
    expect(cli.stdout).toMatch(/built in [\d.]+ s: Linux 6\.1\.\d+ -> .*probediff-oracle/)
    const patched = await runOracle(join(out, 'probediff-oracle'), corpus.map((d) => d.input))

    const changed = corpus.filter((_, i) => JSON.stringify(patched[i]) !== JSON.stringify(stock[i])).map((d) => `${d.caseName} ${d.bdf}`)
    const modern = corpus.filter((_, i) => stock[i]!.transport === 'modern').map((d) => `${d.caseName} ${d.bdf}`)
    expect(modern.length).toBeGreaterThan(10)
    expect(changed).toEqual(modern)
    expect(changed.length).toBeLessThan(corpus.length)
    for (const [i, d] of corpus.entries()) {
      if (stock[i]!.transport !== 'modern') continue
      expect(patched[i]!.rc, `${d.caseName} ${d.bdf}`).toBe('EINVAL')
      expect(patched[i]!.messages[0]!.text).toBe(`virtio-pci ${d.bdf}: virtio_pci: bad capability len 4096 (>=56 expected)`)
    }
  })

  it('`oracle corpus --against` lists the devices the patch changes; the stock tree agrees with the model', async () => {
    const stockRun = await runCli(OracleCorpus, ['--oracle', join(work, 'stock-build'), '--root', PROJECT_ROOT, '--filter', 'k6.1-pc-*'])
    expect(stockRun.exitCode, stockRun.stdout + stockRun.stderr).toBe(0)
    expect(stockRun.stdout).toMatch(/\d+ devices: model = kernel code on \d+, differs on 0/)
    const patched = await runCli(OracleCorpus, ['--oracle', join(work, 'stricter-build'), '--against', join(work, 'stock-build'), '--root', PROJECT_ROOT, '--filter', 'k6.1-pc-*'])
    expect(patched.exitCode).toBe(1)
    const lines = patched.stdout.split('\n')
    const line = (c: string) => lines.filter((l) => l.startsWith(c))
    expect(line('k6.1-pc-modern-only ').every((l) => l.includes('CHANGED: 0 -> EINVAL virtio-pci '))).toBe(true)
    expect(line('k6.1-pc-modern-only ').length).toBe(3)
    expect(line('k6.1-pc-legacy-only ').some((l) => l.includes('CHANGED'))).toBe(false)
  })

  it('`check --oracle PATCHED` fails exactly the cases whose devices the patch changes', async () => {
    const names = [...new Set(corpus.map((d) => d.caseName))].sort()
    const changedCases = [...new Set(corpus.filter((_, i) => stock[i]!.transport === 'modern').map((d) => d.caseName))].sort()
    expect(changedCases.length).toBeGreaterThan(0)
    expect(changedCases.length).toBeLessThan(names.length)
    const run = await runCli(Check, ['--root', PROJECT_ROOT, '--update=none', '--jobs', '1', '--oracle', join(work, 'stricter-build'), ...names], {CI: undefined})
    expect(run.exitCode).toBe(1)
    const rows = new Map(run.stdout.split('\n').filter((l) => /^k6\.1-\S+\s+\d+\s/.test(l)).map((l) => [l.split(/\s+/)[0]!, l]))
    for (const name of names) {
      const row = rows.get(name)!
      if (changedCases.includes(name)) expect(row, name).toMatch(/DIFFER\s+FAIL$/)
      // ivshmem: no virtio status events in the trace, so the traced kernel's side is not observed.
      else expect(row, name).toMatch(name.endsWith('-ivshmem') ? /match\s+undetermined\s+agree\s+ok$/ : /match\s+agree\s+agree\s+ok$/)
    }
    expect(run.stdout).toContain('bad capability len 4096 (>=56 expected)')
  })

  it('reuses a build when nothing changed and rebuilds when the tree changes', () => {
    const again = buildOracle({kernelSource: source!, outDir: join(work, 'stock-build')})
    expect(again.cached).toBe(true)
    const tree = patchedCopy('comment-only', 'drivers/virtio/virtio_pci_modern_dev.c', (t) => t.replace('#include <linux/delay.h>', '#include <linux/delay.h>\n/* local change */'))
    const other = buildOracle({kernelSource: tree, outDir: join(work, 'stock-build')})
    expect(other.cached).toBe(false)
    expect(other.manifest.hash).not.toBe(again.manifest.hash)
  })

  it('names the kernel file and line of a compile error', () => {
    const tree = patchedCopy('syntax', 'drivers/virtio/virtio_pci_modern_dev.c', (t) => t.replace('if (length <= start) {', 'if (length <= start) { oops'))
    const line = readFileSync(join(tree, 'drivers/virtio/virtio_pci_modern_dev.c'), 'utf8').split('\n').findIndex((l) => l.includes('oops')) + 1
    expect(() => buildOracle({kernelSource: tree, outDir: join(work, 'syntax-build')})).toThrow(
      new RegExp(`drivers/virtio/virtio_pci_modern_dev\\.c:(${line}|${line + 1}): .*oops`),
    )
  })

  it('names a symbol the tree no longer defines, and the command exits 1 saying so', async () => {
    const tree = patchedCopy('renamed', 'drivers/virtio/virtio_pci_modern_dev.c', (t) => t.replace('int vp_modern_probe(struct virtio_pci_modern_device *mdev)\n{', 'int vp_modern_probe_renamed(struct virtio_pci_modern_device *mdev)\n{'))
    let err: unknown
    try {
      buildOracle({kernelSource: tree, outDir: join(work, 'renamed-build')})
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(OracleBuildError)
    expect((err as OracleBuildError).symbol).toBe('vp_modern_probe')
    const cli = await runCli(OracleBuild, ['--kernel-source', tree, '--out', join(work, 'renamed-build')])
    expect(cli.exitCode).toBe(1)
    expect(cli.stderr).toContain('undefined reference to vp_modern_probe')

    const noRoot = patchedCopy('no-root', 'drivers/virtio/virtio_pci_modern.c', (t) => t.replace(/int virtio_pci_modern_probe\(/, 'int virtio_pci_modern_probe_gone('))
    expect(() => buildOracle({kernelSource: noRoot, outDir: join(work, 'no-root-build')})).toThrow(/symbol virtio_pci_modern_probe is not defined in drivers\/virtio\/virtio_pci_modern_dev\.c, drivers\/virtio\/virtio_pci_modern\.c/)
  })
})
