/**
 * `probediff replay <hex dump>`: a pasted xxd / hexdump / od dump of a config file predicts exactly
 * what replaying the binary config file itself predicts (real dumps, test/fixtures/ingest/hexdump).
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import Replay from '../../src/commands/replay.js'
import {buildEvidence} from '../../src/evidence/build.js'
import {INPUT_FORMATS} from '../../src/ingest/index.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

const dir = join(PROJECT_ROOT, 'test', 'fixtures', 'ingest', 'hexdump')
const at = (name: string) => join(dir, name)
const tracedConfig = join(PROJECT_ROOT, 'traces', 'fault-missing-notify', '0000:00:02.0', 'config')

/** The replay JSON without provenance (a binary config names bytes `config#8`, a dump `file:line`). */
function withoutSources(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSources)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'sources' && k !== 'warnings').map(([k, v]) => [k, withoutSources(v)]))
  }
  return value
}

async function replayJson(args: string[]) {
  const r = await runCli(Replay, [...args, '--kernel', '6.12', '--json'])
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as {devices: {bdf: string}[]; warnings: {code: string}[]}
}

describe('replay of a pasted hex dump = replay of the config file itself', () => {
  const host03 = [
    'host03-xxd.prompt.txt',
    'host03-xxd-e.txt',
    'host03-xxd-indented.txt',
    'host03-hexdump-C.txt',
    'host03-hexdump-C-quoted.txt',
    'host03-hexdump-C-crlf.txt',
    'host03-hexdump.txt',
    'host03-od-x.txt',
    'host03-od-tx1.txt',
    'host03-od-Ax-tx1.txt',
    'host03-od-Ax-tx1z.txt',
    'host03-xxd-a.txt',
    'host03-od-tx4.txt',
    'host03-od-Ad-tx1.txt',
  ]

  it.each(host03)('%s --device 00:03.0: every config byte and the prediction are the binary config\'s', async (name) => {
    const binary = at('host-0000:00:03.0.config')
    const expected = await replayJson([binary, '--device', '00:03.0'])
    const got = await replayJson([at(name), '--device', '00:03.0'])
    expect(got.devices.map((d) => d.bdf)).toEqual(['0000:00:03.0'])
    expect(got.warnings).toEqual([])
    expect(withoutSources(got)).toEqual(withoutSources(expected))
    // The evidence's config image: every byte known and equal.
    const fromDump = await buildEvidence([{path: at(name)}], {defaultBdf: '00:03.0'})
    const config = readFileSync(binary)
    const image = fromDump.devices[0]!.config
    expect(image.knownCount).toBe(config.length)
    for (let offset = 0; offset < config.length; offset++) expect(image.byte(offset)?.current.value, `byte 0x${offset.toString(16)}`).toBe(config[offset])
  })

  it('with the host\'s own kernel lines for the device (BAR 0 size) the prediction is determined, and the same', async () => {
    const dmesg = ['--dmesg', at('host03-dmesg-grep.txt'), '--device', '00:03.0']
    const expected = await replayJson([at('host-0000:00:03.0.config'), ...dmesg])
    for (const name of ['host03-xxd.prompt.txt', 'host03-od-x.txt', 'host03-hexdump.txt', 'host03-hexdump-C-quoted.txt']) {
      const got = (await replayJson([at(name), ...dmesg])) as unknown as {devices: {predicted: {transport: string; rc: unknown}}[]}
      expect(got.devices[0]!.predicted).toMatchObject({transport: 'modern', rc: '0'})
      expect(withoutSources(got)).toEqual(withoutSources(expected))
    }
  })

  it.each(['trace-fault-missing-notify-xxd.txt', 'trace-fault-missing-notify-hexdump.txt', 'trace-fault-missing-notify-od-x.txt'])(
    '%s --device 00:02.0 = traces/fault-missing-notify/0000:00:02.0/config',
    async (name) => {
      const expected = await replayJson([tracedConfig])
      const got = await replayJson([at(name), '--device', '00:02.0'])
      expect(withoutSources(got)).toEqual(withoutSources(expected))
    },
  )

  it('names the dump\'s lines as the sources of what it read', async () => {
    const r = await runCli(Replay, [at('host03-xxd.prompt.txt'), '--kernel', '6.12', '--json'])
    expect(r.stdout).toContain(`"${at('host03-xxd.prompt.txt')}:2"`)
  })

  it('a file that is no known input: one line with file:line, the accepted formats, exit 2 (with --json too)', async () => {
    for (const json of [[], ['--json']]) {
      const r = await runCli(Replay, [at('capture.sh'), '--kernel', '6.12', ...json])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toBe(
        `probediff: ${at('capture.sh')}:1: cannot tell the format (no QEMU trace events, kernel lines, lspci or hex dump, or CSV header found); accepted formats: ${INPUT_FORMATS.join(', ')} (--format)\n`,
      )
    }
  })
})
