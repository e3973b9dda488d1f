/**
 * One CLI vocabulary, checked on every command oclif finds (its command list, as `probediff help`
 * shows it): -h works, --json is a flag, and bad input under --json is one JSON error object on
 * stdout, one line on stderr and exit 2. Then every example (README and each command's help) must
 * parse with the flags its command really has. Runs the built CLI in process (`npm run build`).
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Config, Parser, run, type Command} from '@oclif/core'
import {beforeAll, describe, expect, it} from 'vitest'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

const probediff = {run: (argv: string[] = []) => run(argv, PROJECT_ROOT)}

/** For each command, arguments that are bad input and must end in exit 2 before any real work. */
const BAD_INPUT: Record<string, string[]> = {
  ingest: ['/nonexistent/trace.log'],
  replay: ['/nonexistent/trace.log'],
  triage: ['/nonexistent/trace.log'],
  check: ['no-such-case'],
  capture: ['my-case', '--', '-device', 'virtio-net-pci'],
  regress: ['--kernel-source', '/nonexistent/linux'],
  'oracle build': ['--kernel-source', '/nonexistent/linux'],
  'oracle corpus': ['--filter', 'no-such-case'],
  'golden accept': ['no-such-case'],
  'golden diff': ['Not/A/Case'],
  'golden prune': ['--root', '/nonexistent/corpus'],
  'golden reject': ['no-such-case'],
  'golden review': ['--accept-all', '--reject-all'],
  help: ['no-such-command'],
}

let config: Config
let ids: string[]
beforeAll(async () => {
  config = await Config.load(PROJECT_ROOT)
  ids = config.commands.map((c) => c.id.replaceAll(':', ' ')).sort()
})

function expectOneJsonError(r: {stdout: string; stderr: string; exitCode: number}, what: string): {code: string; message: string; file?: string; exit: number} {
  expect(r.exitCode, `${what}: ${r.stdout}${r.stderr}`).toBe(2)
  const stderrLines = r.stderr.split('\n').filter((l) => l.length > 0)
  expect(stderrLines, `${what}: stderr`).toHaveLength(1)
  expect(stderrLines[0]).toMatch(/^probediff: /)
  const parsed = JSON.parse(r.stdout) as {error: {code: string; message: string; file?: string; exit: number}}
  expect(Object.keys(parsed)).toEqual(['error'])
  expect(parsed.error.exit).toBe(2)
  expect(parsed.error.code).toMatch(/^[a-z-]+$/)
  // The stderr line says the same thing (with the place in front, when an input is at fault).
  expect(stderrLines[0]).toContain(parsed.error.message)
  return parsed.error
}

describe('every command speaks the same CLI vocabulary', () => {
  it('lists every command and no abstract one', () => {
    expect(ids).not.toContain('base')
    expect(ids).toEqual(Object.keys(BAD_INPUT).sort())
  })

  it('-h, --help and help COMMAND show the usage of each, exit 0', async () => {
    for (const id of ids) {
      for (const argv of [[...id.split(' '), '-h'], [...id.split(' '), '--help'], ['help', ...id.split(' ')]]) {
        const r = await runCli(probediff, argv)
        expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
        // `help -h` is the help of probediff itself.
        expect(r.stdout, argv.join(' ')).toContain(id === 'help' ? '$ probediff [COMMAND]' : `$ probediff ${id}`)
      }
    }
    const top = await runCli(probediff, ['-h'])
    expect(top.exitCode).toBe(0)
    expect(top.stdout).not.toMatch(/^\s+base\b/m)
  })

  it('--json is a flag of each command', async () => {
    for (const id of ids) {
      const cmd = await config.findCommand(id.replaceAll(' ', ':'))!.load()
      expect(cmd.enableJsonFlag, id).toBe(true)
    }
  })

  it('bad input under --json: one JSON error object on stdout, one line on stderr, exit 2', async () => {
    for (const id of ids) {
      const bad = BAD_INPUT[id]!
      const dashdash = bad.indexOf('--')
      const argv = dashdash < 0 ? [...id.split(' '), ...bad, '--json'] : [...id.split(' '), ...bad.slice(0, dashdash), '--json', ...bad.slice(dashdash)]
      expectOneJsonError(await runCli(probediff, argv), argv.join(' '))
    }
  })

  it('a usage error (unknown flag, bad option value) is one line too, and one JSON object under --json', async () => {
    for (const id of ids) {
      const argv = [...id.split(' '), '--no-such-flag', '--json']
      const error = expectOneJsonError(await runCli(probediff, argv), argv.join(' '))
      expect(error.code).toBe('usage')
      const plain = await runCli(probediff, [...id.split(' '), '--no-such-flag'])
      expect(plain.exitCode).toBe(2)
      expect(plain.stdout).toBe('')
      expect(plain.stderr.trimEnd().split('\n'), id).toHaveLength(1)
    }
  })

  it('an unknown command is a usage error like the others', async () => {
    const error = expectOneJsonError(await runCli(probediff, ['base', '--json']), 'probediff base')
    expect(error).toMatchObject({code: 'usage', message: 'no command base (probediff help lists them)'})
    const plain = await runCli(probediff, ['golden', 'nosuch'])
    expect(plain).toMatchObject({exitCode: 2, stdout: '', stderr: 'probediff: no command golden nosuch (probediff help lists them)\n'})
  })

  it('an input error names its file under --json', async () => {
    const error = expectOneJsonError(await runCli(probediff, ['ingest', '/nonexistent/trace.log', '--json']), 'ingest')
    expect(error).toMatchObject({code: 'input', file: '/nonexistent/trace.log', message: 'cannot read: no such file'})
  })
})

/** `probediff ...` command lines of the README's sh blocks (after `$ ` too), split at && ; |. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]!.replace(/\\\n\s*/g, ''))
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/^\$ /, '').replace(/\s+#.*$/, ''))
    .flatMap((l) => l.split(/\s*(?:&&|;|\|)\s*/))
    .map((l) => l.replace(/^(?:[A-Z_]+=\S+\s+)+/, '').trim())
    .filter((l) => l.startsWith('probediff '))
}

/** A command line's words: the command id (longest match) and the rest, up to a `--`. */
function splitCommand(line: string, commandIds: string[]): {id: string; argv: string[]} {
  const words = line.split(/\s+/).slice(1)
  const id = commandIds.filter((c) => words.slice(0, c.split(' ').length).join(' ') === c).sort((a, b) => b.length - a.length)[0]
  if (!id) throw new Error(`no command in: ${line}`)
  const rest = words.slice(id.split(' ').length)
  return {id, argv: rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest}
}

describe('every example runs with the flags its command has', () => {
  async function expectParses(line: string): Promise<void> {
    const {id, argv} = splitCommand(line, ids)
    const cmd: Command.Class = await config.findCommand(id.replaceAll(' ', ':'))!.load()
    const flags = {...cmd.baseFlags, ...cmd.flags}
    // Parse only (no run): flags, option values and arguments; paths need not exist here.
    const noPathChecks = Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, k === 'root' ? {...f, parse: async (v: string) => v} : f]))
    await expect(Parser.parse(argv, {flags: {...noPathChecks, json: {type: 'boolean', name: 'json', allowNo: false} as never}, args: cmd.args, strict: cmd.strict}), line).resolves.toBeDefined()
  }

  it('README examples', async () => {
    const examples = readmeExamples()
    expect(examples.length).toBeGreaterThan(15)
    for (const line of examples) await expectParses(line)
  })

  it('README examples on shipped inputs run as written (ingest, replay, triage)', async () => {
    // Relative paths in the README are from the repository root, where vitest runs.
    expect(process.cwd()).toBe(PROJECT_ROOT.replace(/\/$/, ''))
    const runnable = readmeExamples()
      .map((line) => ({line, ...splitCommand(line, ids)}))
      .filter(({id, argv}) => ['ingest', 'replay', 'triage'].includes(id) && argv.some((a) => a.startsWith('traces/') || a.startsWith('test/fixtures/') || /^k[\d.]+-/.test(a)))
      .filter(({argv}) => argv.every((a) => !a.includes('/') || existsSync(a)))
    expect(runnable.length).toBeGreaterThanOrEqual(5)
    for (const {line, argv, id} of runnable) {
      const r = await runCli(probediff, [id, ...argv])
      expect(r.exitCode, `${line}\n${r.stderr}`).toBe(0)
      expect(r.stdout.length, line).toBeGreaterThan(0)
    }
  })

  it("each command's help examples", async () => {
    let n = 0
    for (const c of config.commands) {
      for (const example of c.examples ?? []) {
        const text = (typeof example === 'string' ? example : example.command).replaceAll('<%= config.bin %>', 'probediff')
        const line = text.replace(/^(?:[A-Z_]+=\S+\s+)+/, '')
        await expectParses(line)
        n++
      }
    }
    expect(n).toBeGreaterThan(20)
  })
})
