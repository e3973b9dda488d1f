import {mkdtemp, mkdir, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {canonicalJson} from '../../src/golden/canonical-json.js'
import {corpusPaths, listCases, listGoldenFiles, parseJsonWithLine, validateCaseName} from '../../src/corpus/corpus.js'
import {readGolden} from '../../src/golden/golden-file.js'
import {parseShard, selectShard} from '../../src/golden/shard.js'
import {defaultUpdateMode, isCi} from '../../src/golden/update-mode.js'
import {InputError, UsageError} from '../../src/util/errors.js'

describe('canonicalJson', () => {
  it('sorts keys at every depth, indents by two, ends with one LF', () => {
    const text = canonicalJson({b: 1, a: {d: [{z: 1, y: 2}], c: 'x'}})
    expect(text).toBe('{\n  "a": {\n    "c": "x",\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n')
  })
  it('drops undefined and refuses NaN', () => {
    expect(canonicalJson({a: undefined, b: 1})).toBe('{\n  "b": 1\n}\n')
    expect(() => canonicalJson({a: Number.NaN})).toThrow(TypeError)
  })
})

describe('case names', () => {
  it.each(['k6.1-pc', 'a', 'fault-missing-notify_cap', 'x'.repeat(64)])('accepts %s', (n) => expect(validateCaseName(n)).toBe(n))
  it.each(['', '../etc', 'a/b', '.hidden', 'A', 'x'.repeat(65), 'a..b', 'a b', 'a\u0000'])('rejects %j', (n) => {
    expect(() => validateCaseName(n)).toThrow(UsageError)
  })
})

describe('shards', () => {
  const names = ['a', 'b', 'c', 'd', 'e']
  it('deals sorted names round-robin; the union of all shards is the corpus, without overlap', () => {
    const shards = [1, 2, 3].map((i) => selectShard(names, parseShard(`${i}/3`)))
    expect(shards).toEqual([['a', 'd'], ['b', 'e'], ['c']])
    expect(shards.flat().sort()).toEqual(names)
  })
  it.each(['0/2', '3/2', '1/0', 'x', '1-2'])('rejects %s', (s) => expect(() => parseShard(s)).toThrow(UsageError))
})

describe('update mode', () => {
  it('is none in CI and new elsewhere; CI=false/0/empty is not CI', () => {
    expect(defaultUpdateMode({CI: 'true'})).toBe('none')
    expect(defaultUpdateMode({CI: '1'})).toBe('none')
    expect(defaultUpdateMode({})).toBe('new')
    for (const v of ['false', '0', '', 'FALSE']) expect(isCi({CI: v})).toBe(false)
  })
})

describe('corpus listing and golden reading', () => {
  it('lists only cases with case.json and valid names; splits goldens from pending files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-corpus-'))
    const p = corpusPaths(root)
    for (const c of ['good', 'Bad', 'nometa']) await mkdir(join(p.tracesDir, c), {recursive: true})
    await writeFile(join(p.tracesDir, 'good', 'case.json'), '{}')
    await writeFile(join(p.tracesDir, 'Bad', 'case.json'), '{}')
    await mkdir(p.goldenDir)
    for (const f of ['good.json', 'old.json', 'good.json.new', 'notes.txt']) await writeFile(join(p.goldenDir, f), '{}')
    expect(await listCases(p)).toEqual(['good'])
    expect(await listGoldenFiles(p)).toEqual({goldens: ['good', 'old'], pending: ['good']})
  })

  it('reports a malformed golden with file:line and never returns it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'probediff-golden-'))
    const file = join(root, 'x.json')
    await writeFile(file, '{\n  "header": {\n    "schema": 1,\n  }\n}\n')
    const err = await readGolden(file).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as InputError).message).toMatch(/x\.json:4: malformed JSON/)
    await writeFile(file, '{"header": {"schema": 1, "case": "x", "traceSha256": "00", "kernelProfile": "6.1"}}\n')
    await expect(readGolden(file)).rejects.toThrow(/no devices array/)
  })

  it('parseJsonWithLine points at the failing line', () => {
    expect(() => parseJsonWithLine('{\n"a": 1,\n"b": ]\n}', 'f.json')).toThrow(/f\.json:3:/)
  })
})
