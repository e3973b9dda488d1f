/**
 * The folders of src/ are layers of the pipeline and import only downwards. Each folder has a rank;
 * a module may import from its own folder or from a folder of lower rank, never upwards, so no folder
 * cycle can form. A new folder must be given its place here.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/** Lowest first: ingest -> evidence -> model -> outcome -> golden/report; replay and triage above; commands on top. */
const LAYERS = [
  'util',
  'pci',
  'ingest',
  'evidence',
  'model',
  'outcome',
  'corpus',
  'golden',
  'report',
  'oracle',
  'replay',
  'triage',
  // capture below regress: regress --vmlinuz boots through capture's runner.
  'capture',
  'regress',
  'cli',
  'commands',
] as const

function tsFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
function relativeImports(text: string): string[] {
  const found: string[] = []
  const patterns = [/\bfrom\s+'(\.[^']*)'/g, /\bimport\s*\(\s*'(\.[^']*)'\s*\)/g, /^\s*import\s+'(\.[^']*)'/gm]
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!)
  return found
}

const folderOf = (file: string): string => relative(SRC, file).split(sep)[0]!

interface Edge {
  readonly file: string
  readonly from: string
  readonly to: string
}

function importEdges(): Edge[] {
  const edges: Edge[] = []
  for (const file of tsFiles(SRC)) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec)
      const from = folderOf(file)
      const to = folderOf(target)
      if (from !== to) edges.push({file: relative(SRC, file), from, to})
    }
  }
  return edges
}

const rank = (folder: string) => (LAYERS as readonly string[]).indexOf(folder)

/** Imports that do not go strictly downwards, as `file: from -> to`. */
const upwards = (edges: readonly Edge[]): string[] =>
  edges.filter((e) => rank(e.to) < 0 || rank(e.to) >= rank(e.from)).map((e) => `${e.file}: ${e.from} -> ${e.to}`)

describe('layers of src/', () => {
  const edges = importEdges()

  it('finds the imports it checks (the parser is not blind)', () => {
    expect(edges.length).toBeGreaterThan(50)
    expect(edges).toContainEqual(expect.objectContaining({from: 'commands', to: 'replay'}))
  })

  it('every folder of src/ has a place in the layer table', () => {
    const folders = readdirSync(SRC, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
    expect(folders.filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([])
  })

  it('imports only go downwards, so no two folders import each other (directly or round a cycle)', () => {
    expect(upwards(edges)).toEqual([])
  })

  it('the check itself catches a cycle and an unplaced folder', () => {
    const planted: Edge[] = [
      {file: 'model/a.ts', from: 'model', to: 'outcome'},
      {file: 'outcome/b.ts', from: 'outcome', to: 'model'},
      {file: 'new/c.ts', from: 'new', to: 'util'},
      {file: 'util/d.ts', from: 'util', to: 'new'},
    ]
    expect(upwards(planted)).toEqual(['model/a.ts: model -> outcome', 'new/c.ts: new -> util', 'util/d.ts: util -> new'])
  })
})
