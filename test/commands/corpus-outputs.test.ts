/**
 * Output stability over the whole shipped corpus: `ingest` and `replay` (text and --json) of every
 * traces/<case>/ print exactly the bytes they printed before the ingest fast paths went in.
 *
 * The fixture (test/fixtures/corpus-output-digests.json) holds, per case and command, the sha256 of
 * stdout, of stderr and the exit code, recorded with `PROBEDIFF_RECORD_DIGESTS=1 npx vitest run
 * test/commands/corpus-outputs.test.ts`. First recorded from commit 8770eb3, before the ingest fast
 * paths (which left every byte the same); re-recorded once after the lspci, hex-dump, dmesg-observed
 * and typed-result work, whose output changes are deliberate; and again after the header-type work
 * (BAR 6 rows, written-back BAR registers marked `^`, bridge lines, the observed interrupt setup in
 * setup_vq, the legend of only the marks used; stderr unchanged). Re-record only for a deliberate output
 * change, and say so in the commit.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'
import Ingest from '../../src/commands/ingest.js'
import Replay from '../../src/commands/replay.js'
import {caseInputs, corpusPaths, listCases, readCaseMeta} from '../../src/corpus/corpus.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/corpus-output-digests.json')
const recording = process.env.PROBEDIFF_RECORD_DIGESTS === '1'
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

type Digest = {stdout: string; stderr: string; exitCode: number}

/** The command lines a user types for a case: inputs as paths relative to the repository, dmesg via --dmesg. */
async function caseArgv(name: string): Promise<{ingest: string[]; replay: string[]}> {
  const paths = corpusPaths(PROJECT_ROOT)
  const meta = await readCaseMeta(paths, name)
  const argv: string[] = []
  for (const input of await caseInputs(paths, meta)) {
    const rel = relative(PROJECT_ROOT, input.path)
    if (/dmesg/.test(input.displayName)) argv.push('--dmesg', rel)
    else argv.push(rel, ...(input.format ? ['--format', input.format] : []))
  }
  const replayFlags = [
    ...(meta.replay?.kernel ? ['--kernel', meta.replay.kernel] : []),
    ...(meta.replay?.forceLegacy ? ['--force-legacy'] : []),
  ]
  return {ingest: argv, replay: [...argv, ...replayFlags]}
}

async function digestsOf(name: string): Promise<Record<string, Digest>> {
  const argv = await caseArgv(name)
  const runs: [string, typeof Ingest | typeof Replay, string[]][] = [
    ['ingest --json', Ingest, [...argv.ingest, '--json']],
    ['ingest', Ingest, argv.ingest],
    ['replay --json', Replay, [...argv.replay, '--json']],
    ['replay', Replay, argv.replay],
  ]
  const out: Record<string, Digest> = {}
  for (const [label, command, args] of runs) {
    const r = await runCli(command, args, {CI: undefined})
    out[label] = {stdout: sha256(r.stdout), stderr: sha256(r.stderr), exitCode: r.exitCode}
  }
  return out
}

describe('ingest and replay outputs on the shipped corpus', () => {
  it('are byte-identical to the recorded digests, case by case', async () => {
    // Inputs are named relative to the repository in the output: run from there.
    process.chdir(PROJECT_ROOT)
    const cases = await listCases(corpusPaths(PROJECT_ROOT))
    expect(cases.length).toBeGreaterThan(40)
    const actual: Record<string, Record<string, Digest>> = {}
    for (const name of cases) actual[name] = await digestsOf(name)
    if (recording) {
      writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 1)}\n`)
      return
    }
    expect(existsSync(FIXTURE), `${FIXTURE} missing: record it (see this file's header)`).toBe(true)
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, Digest>>
    expect(Object.keys(actual)).toEqual(Object.keys(expected))
    for (const name of cases) expect(actual[name], name).toEqual(expected[name])
  }, 300_000)
})
