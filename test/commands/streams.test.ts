/**
 * Every input and --dmesg can be a stream: `-` for stdin, a FIFO, process substitution, and gzip
 * is told after inflating the stream. Runs the built CLI as a subprocess on a real shipped case
 * (traces/k6.1-pc-transitional, captured under QEMU) and compares with reading the files.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runProcess, runShell} from '../helpers/run-cli-process.js'

const CASE = 'traces/k6.1-pc-transitional'
const TRACE = `${CASE}/trace.log.gz`
const DMESG = `${CASE}/dmesg.txt`

interface IngestJson {
  inputs: {file: string; format: string; bytes: number; records: number}[]
  devices: unknown[]
}
const parse = (stdout: string) => JSON.parse(stdout) as IngestJson
/** What must not depend on how the bytes arrived: formats, sizes, record counts, the devices. */
const facts = (j: IngestJson) => ({
  inputs: j.inputs.map(({format, bytes, records}) => ({format, bytes, records})),
  // Sources name the input as given: input i is `#i` here.
  devices: j.inputs.reduce((text, input, i) => text.replaceAll(JSON.stringify(input.file).slice(1, -1), `#${i}`), JSON.stringify(j.devices)),
})

describe('inputs as streams', {timeout: 120_000}, () => {
  let fromFiles: IngestJson
  it('reference: the case read from its files', async () => {
    const r = await runProcess(['ingest', TRACE, '--dmesg', DMESG, '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    fromFiles = parse(r.stdout)
    expect(fromFiles.inputs.map((i) => i.format)).toEqual(['qemu-log', 'dmesg'])
  })

  it('process substitution for the trace and --dmesg, sniffed and forced', async () => {
    for (const format of [[], ['--format', 'qemu-log']]) {
      const r = await runShell(`$PROBEDIFF ingest <(zcat ${TRACE}) ${format.join(' ')} --dmesg <(cat ${DMESG}) --json`)
      expect(r.exitCode, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      expect(facts(parse(r.stdout))).toEqual(facts(fromFiles))
    }
  })

  it('`-` is stdin, gzipped or not; a gzip stream is sniffed after inflating', async () => {
    const gz = readFileSync(TRACE)
    const plain = execFileSync('zcat', [TRACE], {maxBuffer: 1 << 28})
    for (const stdin of [gz, plain]) {
      const r = await runProcess(['ingest', '-', '--dmesg', DMESG, '--json'], {stdin})
      expect(r.exitCode, r.stderr).toBe(0)
      const j = parse(r.stdout)
      expect(j.inputs[0]!.file).toBe('<stdin>')
      expect(facts(j)).toEqual(facts(fromFiles))
    }
    const dmesgOnStdin = await runProcess(['ingest', TRACE, '--dmesg', '-', '--json'], {stdin: readFileSync(DMESG)})
    expect(dmesgOnStdin.exitCode, dmesgOnStdin.stderr).toBe(0)
    expect(facts(parse(dmesgOnStdin.stdout))).toEqual(facts(fromFiles))
  })

  it('FIFOs, for the trace and for --dmesg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probediff-fifo-'))
    const r = await runShell(
      `mkfifo ${dir}/t ${dir}/d && { cat ${TRACE} > ${dir}/t & cat ${DMESG} > ${dir}/d & $PROBEDIFF ingest ${dir}/t --dmesg ${dir}/d --json; }`,
    )
    expect(r.exitCode, r.stderr).toBe(0)
    expect(facts(parse(r.stdout))).toEqual(facts(fromFiles))
  })

  it('an empty stream says so, with the name', async () => {
    const r = await runShell(`$PROBEDIFF ingest <(true)`)
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/^probediff: \/dev\/fd\/\d+: empty file\n$/)
    const gz = await runProcess(['ingest', '-'], {stdin: execFileSync('gzip', ['-c'], {input: ''})})
    expect(gz.stderr).toBe('probediff: <stdin>: empty file (after decompression)\n')
    expect(gz.exitCode).toBe(2)
  })
})
