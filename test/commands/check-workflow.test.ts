/**
 * The regression workflow end to end, in process, on a real captured case: a model rule changes,
 * `check` fails with a readable diff, `--update=new` leaves a pending golden, `golden accept` takes
 * it, and `check` passes again. Plus CI mode, obsolete goldens and JUnit output.
 */
import {cp, mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {XMLParser} from 'fast-xml-parser'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import Check from '../../src/commands/check.js'
import GoldenAccept from '../../src/commands/golden/accept.js'
import GoldenPrune from '../../src/commands/golden/prune.js'
import GoldenReview from '../../src/commands/golden/review.js'
import GoldenDiff from '../../src/commands/golden/diff.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

// The "kernel change" under test: the common-config map size (60 bytes in 6.1.61+) goes back to 56.
const mutation = vi.hoisted(() => ({on: false}))
vi.mock('../../src/model/profiles.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/model/profiles.js')>()
  const mutate = <T extends {rules: {commonMapSize: number}} | undefined>(p: T): T =>
    mutation.on && p ? ({...p, rules: {...p.rules, commonMapSize: 56}} as T) : p
  return {
    ...real,
    profileFor: (...args: Parameters<typeof real.profileFor>) => mutate(real.profileFor(...args)),
    resolveRelease: (spec: string) => mutate(real.resolveRelease(spec)),
  }
})

const CASE = 'k6.1-pc-vectors0'
let root: string
const noCi = {CI: undefined}

beforeEach(async () => {
  mutation.on = false
  root = await mkdtemp(join(tmpdir(), 'probediff-check-'))
  await cp(join(PROJECT_ROOT, 'traces', CASE), join(root, 'traces', CASE), {recursive: true})
  const seeded = await runCli(Check, ['--root', root, '--update=all'], noCi)
  expect(seeded.exitCode, seeded.stdout + seeded.stderr).toBe(0)
})

describe('probediff check: the golden workflow', () => {
  it('fails on a model change with a readable diff, then pending → accept → passes', async () => {
    expect((await runCli(Check, ['--root', root, '--update=none'], noCi)).exitCode).toBe(0)

    mutation.on = true
    const failed = await runCli(Check, ['--root', root, '--update=none'], noCi)
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toMatch(new RegExp(`${CASE}\\s+\\d+\\s+changed`))
    // The summary comes first, one line per changed device; then the diff, each hunk naming its device.
    expect(failed.stdout).toMatch(/^ {2}00:02\.0 virtio-net-pci: modern\/0 \(same\); changed: predicted\.mappings\[common\]$/m)
    expect(failed.stdout.indexOf('00:02.0 virtio-net-pci: modern/0')).toBeLessThan(failed.stdout.indexOf('--- golden/'))
    expect(failed.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@ 00:02\.0 virtio-net-pci$/m)
    expect(failed.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@ 00:03\.0 virtio-blk-pci$/m)
    expect(failed.stdout).toMatch(/^-\s+\{"bar": 4, "capOffset": "0x40", "kernelLength": "0x3c", "length": "0x1000", "mappedLength": "0x3c",.*"what": "common"\},$/m)
    expect(failed.stdout).toMatch(/^\+\s+\{"bar": 4, "capOffset": "0x40", "kernelLength": "0x38", "length": "0x1000", "mappedLength": "0x38",.*"what": "common"\},$/m)
    expect(failed.stdout).toContain('probediff check --update=all')
    expect(failed.stdout).not.toMatch(/\u001b\[/)

    const pending = await runCli(Check, ['--root', root, '--update=new'], noCi)
    expect(pending.exitCode).toBe(1)
    expect(existsSync(join(root, 'golden', `${CASE}.json.new`))).toBe(true)
    expect(pending.stdout).toContain('probediff golden review')
    const diff = await runCli(GoldenDiff, [CASE, '--root', root], noCi)
    expect(diff.stdout).toMatch(/^ {2}00:02\.0 virtio-net-pci: modern\/0 \(same\); changed: predicted\.mappings\[common\]/m)
    expect(diff.stdout).toMatch(/^\+\s+\{.*"mappedLength": "0x38",.*"what": "common"\},$/m)

    const accepted = await runCli(GoldenAccept, [CASE, '--root', root], noCi)
    expect(accepted.exitCode).toBe(0)
    expect(existsSync(join(root, 'golden', `${CASE}.json.new`))).toBe(false)
    expect(await readFile(join(root, 'golden', `${CASE}.json`), 'utf8')).toContain('"mappedLength": "0x38"')

    expect((await runCli(Check, ['--root', root], noCi)).exitCode).toBe(0)
  })

  it('in CI (CI set) refuses to write anything, and fails', async () => {
    mutation.on = true
    const before = await readFile(join(root, 'golden', `${CASE}.json`), 'utf8')
    const ci = await runCli(Check, ['--root', root], {CI: 'true'})
    expect(ci.exitCode).toBe(1)
    expect(ci.stdout).toContain('update mode none, CI')
    expect(await readdir(join(root, 'golden'))).toEqual([`${CASE}.json`])
    expect(await readFile(join(root, 'golden', `${CASE}.json`), 'utf8')).toBe(before)
  })

  it('an obsolete golden fails the run in CI, is only reported locally, and is pruned', async () => {
    await writeFile(join(root, 'golden', 'gone-case.json'), '{}\n')
    const ci = await runCli(Check, ['--root', root], {CI: '1'})
    expect(ci.exitCode).toBe(1)
    expect(ci.stdout).toContain('golden/gone-case.json')
    expect(ci.stdout).toContain('probediff golden prune')
    const local = await runCli(Check, ['--root', root], noCi)
    expect(local.exitCode).toBe(0)
    expect(local.stdout).toContain('golden/gone-case.json')
    const pruned = await runCli(GoldenPrune, ['--root', root], noCi)
    expect(pruned.stdout).toContain('removed golden/gone-case.json')
    expect(await readdir(join(root, 'golden'))).toEqual([`${CASE}.json`])
  })

  it('inputs changed but the claim is the same: a match, reported so; --update refreshes the header without a review', async () => {
    const golden = join(root, 'golden', `${CASE}.json`)
    const text = await readFile(golden, 'utf8')
    const otherInputs = text.replace(/"sha256": "[0-9a-f]+"/, `"sha256": "${'0'.repeat(64)}"`)
    await writeFile(golden, otherInputs)
    const ci = await runCli(Check, ['--root', root], {CI: '1'})
    expect(ci.exitCode).toBe(0)
    expect(ci.stdout).toMatch(new RegExp(`${CASE}\\s+\\d+\\s+match \\(inputs changed, outcome same\\)`))
    expect(await readFile(golden, 'utf8')).toBe(otherInputs)
    const refreshed = await runCli(Check, ['--root', root, '--update=new'], noCi)
    expect(refreshed.exitCode).toBe(0)
    expect(refreshed.stdout).toContain('match (inputs changed, outcome same; header refreshed)')
    expect(await readdir(join(root, 'golden'))).toEqual([`${CASE}.json`])
    expect(await readFile(golden, 'utf8')).toBe(text)
  })

  it('a stale golden (the inputs and the claim changed) is reported as stale', async () => {
    const golden = join(root, 'golden', `${CASE}.json`)
    const text = await readFile(golden, 'utf8')
    await writeFile(golden, text.replace(/"sha256": "[0-9a-f]+"/, `"sha256": "${'0'.repeat(64)}"`))
    mutation.on = true
    const result = await runCli(Check, ['--root', root, '--update=none'], noCi)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/golden is stale/)
  })

  it('golden review without a terminal needs --accept-all or --reject-all', async () => {
    mutation.on = true
    await runCli(Check, ['--root', root, '--update=new'], noCi)
    const refused = await runCli(GoldenReview, ['--root', root], noCi)
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toMatch(/interactive/)
    const rejected = await runCli(GoldenReview, ['--root', root, '--reject-all'], noCi)
    expect(rejected.stdout).toContain(`rejected ${CASE}`)
    expect(existsSync(join(root, 'golden', `${CASE}.json.new`))).toBe(false)
  })

  it('a malformed golden ends the run with file:line (exit 2), now that cases are compared where they are replayed', async () => {
    await writeFile(join(root, 'golden', `${CASE}.json`), '{\n  "header": {\n    "schema": 1,\n  oops\n}\n')
    const result = await runCli(Check, ['--root', root, '--update=none'], noCi)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(new RegExp(`^probediff: .*golden/${CASE}\\.json:\\d+: malformed JSON`, 'm'))
  })

  it('unknown cases and bad case names are usage errors (exit 2)', async () => {
    expect((await runCli(Check, ['--root', root, 'no-such-case'], noCi)).exitCode).toBe(2)
    const traversal = await runCli(Check, ['--root', root, '../etc'], noCi)
    expect(traversal.exitCode).toBe(2)
    expect(traversal.stderr).toMatch(/^probediff: invalid case name/m)
  })

  it('writes JUnit XML that follows the common JUnit schema', async () => {
    mutation.on = true
    const junit = join(root, 'report.xml')
    await runCli(Check, ['--root', root, '--update=none', '--junit', junit], noCi)
    const xml = await readFile(junit, 'utf8')
    const doc = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name)}).parse(xml)
    const suites = doc.testsuites
    expect(suites).toBeDefined()
    const suite = suites.testsuite[0]
    for (const attr of ['name', 'tests', 'failures', 'errors', 'skipped', 'time']) expect(suite).toHaveProperty(attr)
    expect(Number(suite.tests)).toBe(suite.testcase.length)
    for (const tc of suite.testcase) {
      expect(tc.classname).toBe(CASE)
      expect(tc.name).toMatch(/^0000:00:0[0-9a-f]\.\d /)
      expect(Number.isFinite(Number(tc.time))).toBe(true)
      expect(tc.failure?.message).toMatch(/golden changed/)
    }
    expect(Number(suite.failures)).toBe(suite.testcase.length)
  })
})
