/**
 * The golden as a claim: how it is rendered, how a schema-1 golden (a real one, as the tool wrote it
 * before the claim) migrates instead of changing, and how a change reads (summary, device hunks).
 */
import {cp, mkdir, mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import Check from '../../src/commands/check.js'
import {corpusPaths, goldenPath} from '../../src/corpus/corpus.js'
import type {DeviceClaim} from '../../src/golden/claim.js'
import {describeChange} from '../../src/golden/diff.js'
import {GOLDEN_SCHEMA_VERSION, readGolden, renderClaims} from '../../src/golden/golden-file.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

const noCi = {CI: undefined}
const SCHEMA1 = join(PROJECT_ROOT, 'test/fixtures/golden/schema1-k6.1-pc-legacy-only.json')

async function shipped(name: string): Promise<readonly DeviceClaim[]> {
  const golden = await readGolden(goldenPath(corpusPaths(PROJECT_ROOT), name))
  return golden!.doc.devices
}

describe('golden rendering', () => {
  it('keeps an object or array on one line when it fits, sorted keys, and nothing volatile', async () => {
    const text = await readFile(goldenPath(corpusPaths(PROJECT_ROOT), 'fault-short-common'), 'utf8')
    expect(text).toMatch(/^ {8}"mappings": \[\{"bar": 4, "capOffset": "0x40", "length": "0x30", "offset": "0x0", "ok": false, "what": "common"\}\],$/m)
    expect(text).toMatch(/^ {10}\{"level": "err", "text": "virtio-pci 0000:00:02\.0: virtio_pci: bad capability len 48 \(>=56 expected\)"\},$/m)
    expect(text).not.toMatch(/\.gz:\d+|dmesg\.txt:\d+|"sources"|"path"/)
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(160)
    const devices = await shipped('fault-short-common')
    expect(renderClaims(devices)).toBe(renderClaims(JSON.parse(JSON.stringify(devices)).reverse().reverse()))
  })

  it('averages at most 60 lines per device over the shipped goldens', async () => {
    const dir = join(PROJECT_ROOT, 'golden')
    let lines = 0
    let devices = 0
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json'))) {
      const text = await readFile(join(dir, f), 'utf8')
      lines += text.split('\n').length - 1
      devices += (JSON.parse(text) as {devices: unknown[]}).devices.length
    }
    expect(devices).toBeGreaterThan(0)
    expect(lines / devices).toBeLessThanOrEqual(60)
  })
})

describe('schema 1 goldens migrate', () => {
  it('a schema-1 golden matches on the facts it recorded; CI writes nothing; --update=new rewrites it as schema 2 without a review', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-migrate-'))
    const name = 'k6.1-pc-legacy-only'
    await cp(join(PROJECT_ROOT, 'traces', name), join(root, 'traces', name), {recursive: true})
    await mkdir(join(root, 'golden'))
    const golden = join(root, 'golden', `${name}.json`)
    await cp(SCHEMA1, golden)
    const old = await readFile(golden, 'utf8')

    const ci = await runCli(Check, ['--root', root], {CI: '1'})
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(0)
    expect(ci.stdout).toMatch(/match \(schema 1, migrated\)/)
    expect(await readFile(golden, 'utf8')).toBe(old)

    const migrated = await runCli(Check, ['--root', root, '--update=new'], noCi)
    expect(migrated.exitCode).toBe(0)
    expect(migrated.stdout).toContain('header refreshed')
    expect(await readdir(join(root, 'golden'))).toEqual([`${name}.json`])
    const now = await readGolden(golden)
    expect(now!.schema).toBe(GOLDEN_SCHEMA_VERSION)
    // What schema 1 recorded is all there, and the same as the shipped golden's claim.
    expect(now!.doc.devices.map((d) => d.predicted.attempts)).toEqual([[{probe: 'modern', rc: 'ENODEV'}, {probe: 'legacy', rc: '0'}], [{probe: 'modern', rc: 'ENODEV'}, {probe: 'legacy', rc: '0'}], [{probe: 'modern', rc: 'ENODEV'}, {probe: 'legacy', rc: '0'}]])
    expect(renderClaims(now!.doc.devices)).toBe(renderClaims(await shipped(name)))
    expect((await runCli(Check, ['--root', root], {CI: '1'})).stdout).toMatch(new RegExp(`${name}\\s+3\\s+match\\s`))
  })

  it('a schema-1 golden whose claim differs is changed, and the diff shows only facts schema 1 recorded', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-migrate-'))
    const name = 'k6.1-pc-legacy-only'
    await cp(join(PROJECT_ROOT, 'traces', name), join(root, 'traces', name), {recursive: true})
    await mkdir(join(root, 'golden'))
    const doc = JSON.parse(await readFile(SCHEMA1, 'utf8'))
    doc.devices[0].predicted.virtioType = 'block'
    await writeFile(join(root, 'golden', `${name}.json`), JSON.stringify(doc))
    const result = await runCli(Check, ['--root', root], {CI: '1'})
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/^ {2}00:02\.0 virtio-net-pci: legacy\/0 \(same\); changed: predicted\.virtioType$/m)
    expect(result.stdout).toMatch(/^-\s+"virtioType": "block"$/m)
    expect(result.stdout).not.toMatch(/^\+.*"attempts"/m)
  })
})

describe('a change reads as a summary, then hunks named by device', () => {
  it('one line per changed device: transport/rc before → after, messages removed and added', async () => {
    const old = await shipped('k6.1-pc-vectors0')
    const broken: DeviceClaim = {
      ...old[1]!,
      predicted: {
        ...old[1]!.predicted,
        transport: 'none',
        rc: 'EINVAL',
        messages: [{level: 'err', text: 'virtio-pci 0000:00:03.0: virtio_pci: bad capability len 1 (>=2 expected)'}],
      },
    }
    const change = describeChange('k6.1-pc-vectors0', old, [old[0]!, broken])
    expect(change.summary).toEqual(['00:03.0 virtio-blk-pci: modern/0 → none/EINVAL; + "virtio_pci: bad capability len 1 (>=2 expected)"'])
    const headers = change.diff!.split('\n').filter((l) => l.startsWith('@@'))
    expect(headers.length).toBeGreaterThan(0)
    for (const h of headers) expect(h).toMatch(/ @@ 00:03\.0 virtio-blk-pci$/)
  })

  it('a new golden shows its devices, and the whole claim only when verbose', async () => {
    const fresh = await shipped('k6.1-pc-legacy-only')
    const brief = describeChange('k6.1-pc-legacy-only', undefined, fresh)
    expect(brief.summary).toEqual([
      '00:02.0 virtio-net-pci: legacy/0, 1 message, verdict agree (new)',
      '00:03.0 virtio-blk-pci: legacy/0, 1 message, verdict agree (new)',
      '00:04.0 virtio-rng-pci: legacy/0, 1 message, verdict agree (new)',
    ])
    expect(brief.diff).toBeUndefined()
    const verbose = describeChange('k6.1-pc-legacy-only', undefined, fresh, {verbose: true})
    expect(verbose.diff!.split('\n').filter((l) => l.startsWith('+')).length).toBeGreaterThan(fresh.length * 10)
  })
})
