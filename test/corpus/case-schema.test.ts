/** case.json is checked against its schema on load: every shipped case passes, and each kind of mistake is one error at its line. */
import {mkdir, mkdtemp, readdir, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {validateCaseJson} from '../../src/corpus/case-schema.js'
import {corpusPaths, readCaseMeta} from '../../src/corpus/corpus.js'
import {INPUT_FORMATS} from '../../src/ingest/sniff.js'
import {InputError} from '../../src/util/errors.js'
import Check from '../../src/commands/check.js'
import OracleCorpus from '../../src/commands/oracle/corpus.js'
import {loadCorpus} from '../../src/oracle/corpus.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

/** The message of the InputError validateCaseJson throws for `text`. */
function problem(text: string): string {
  try {
    validateCaseJson(text, 'traces/x/case.json')
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as Error).message
  }
  throw new Error('no error')
}

describe('case.json schema', () => {
  it('accepts every case of the shipped corpus', async () => {
    const paths = corpusPaths(PROJECT_ROOT)
    const names = (await readdir(paths.tracesDir)).filter((n) => existsSync(join(paths.tracesDir, n, 'case.json')))
    expect(names.length).toBeGreaterThan(40)
    for (const name of names) await expect(readCaseMeta(paths, name)).resolves.toMatchObject({name})
  })

  it('an unknown input format is an error at its line', () => {
    const text = '{\n  "name": "x",\n  "inputs": [\n    {"file": "trace.log", "format": "qemu_log"}\n  ]\n}\n'
    expect(problem(text)).toBe(`traces/x/case.json:4: "inputs[0].format": unknown input format "qemu_log" (one of ${INPUT_FORMATS.join(', ')})`)
  })

  it('an unknown key is an error at its line, at any checked depth', () => {
    expect(problem('{\n  "name": "x",\n  "formt": "qemu-log"\n}')).toMatch(/^traces\/x\/case.json:3: case.json: unknown key "formt" \(known: formatVersion, name, /)
    expect(problem('{\n  "replay": {\n    "kernel": "6.1",\n    "forceLegacyy": true\n  }\n}')).toMatch(/^traces\/x\/case.json:4: "replay": unknown key "forceLegacyy"/)
  })

  it('a value of the wrong type is an error at its line', () => {
    expect(problem('{\n  "replay": {\n    "forceLegacy": "yes"\n  }\n}')).toBe('traces/x/case.json:3: "replay.forceLegacy" must be a boolean, not a string')
    expect(problem('{\n  "inputs": "trace.log"\n}')).toBe('traces/x/case.json:2: "inputs" must be an array, not a string')
    expect(problem('{\n  "inputs": [\n    7\n  ]\n}')).toBe('traces/x/case.json:3: "inputs[0]" must be a string or an object, not a number')
    expect(problem('{"inputs": [{"format": "dmesg"}]}')).toBe('traces/x/case.json:1: "inputs[0]" lacks "file"')
    expect(problem('[1]')).toBe('traces/x/case.json:1: case.json must be an object, not an array')
  })

  it('a kernel that is neither a profile nor a release is an error', () => {
    expect(problem('{\n  "replay": {"kernel": "latest"}\n}')).toMatch(/^traces\/x\/case.json:2: "replay.kernel": unknown kernel "latest" \(a profile \(5.10, 6.1, 6.12, mainline\) or a release\)$/)
    expect(() => validateCaseJson('{"replay": {"kernel": "6.6.9"}}', 'c.json')).not.toThrow()
  })

  it('probediff check reports a bad case.json with its line and exits 2', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-case-schema-'))
    await mkdir(join(root, 'traces', 'typo'), {recursive: true})
    await mkdir(join(root, 'golden'))
    await writeFile(join(root, 'traces', 'typo', 'case.json'), '{\n  "name": "typo",\n  "inputs": [{"file": "dmesg.txt", "format": "qemu_log"}]\n}\n')
    await writeFile(join(root, 'traces', 'typo', 'dmesg.txt'), '[    0.000000] Linux version 6.1.0-50-amd64\n')
    const r = await runCli(Check, ['--root', root, '--jobs', '1'], {CI: '1'})
    expect(r.exitCode).toBe(2)
    // check goes on past a broken case: it is reported in the table, with its file:line
    expect(r.stdout).toContain('typo/case.json:3: "inputs[0].format": unknown input format "qemu_log"')
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /)
  })

  it('oracle corpus reads case.json through the same schema: the typo is one line with file:line, exit 2', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-case-schema-'))
    await mkdir(join(root, 'traces', 'typo'), {recursive: true})
    await writeFile(join(root, 'traces', 'typo', 'case.json'), '{\n  "name": "typo",\n  "replay": {"kernel": "6.1"},\n  "inputs": [{"file": "dmesg.txt", "format": "qemu_log"}]\n}\n')
    await writeFile(join(root, 'traces', 'typo', 'dmesg.txt'), '[    0.000000] Linux version 6.1.0-50-amd64\n')
    await expect(loadCorpus(join(root, 'traces'))).rejects.toThrow(/typo\/case.json:4: "inputs\[0\].format": unknown input format "qemu_log"/)
    const r = await runCli(OracleCorpus, ['--root', root, '--json'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('typo/case.json:4: "inputs[0].format": unknown input format "qemu_log"')
    expect(JSON.parse(r.stdout).error).toMatchObject({code: 'input', file: join(root, 'traces', 'typo', 'case.json'), line: 4, exit: 2})
  })
})
