/**
 * The corpus on disk: traces/<case>/ (inputs + case.json) and golden/<case>.json (+ pending .json.new).
 * Case names are validated before any path is built from them, so nothing outside traces/ and golden/
 * is ever read or written.
 */
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {lstat, readdir, readFile, realpath, stat} from 'node:fs/promises'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {type ParseError, parse as parseTolerant, printParseErrorCode} from 'jsonc-parser'
import {InputError, UsageError} from '../util/errors.js'
import {validateCaseJson} from './case-schema.js'

export const CASE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
export const GOLDEN_SUFFIX = '.json'
export const PENDING_SUFFIX = '.json.new'

export interface CorpusPaths {
  readonly root: string
  readonly tracesDir: string
  readonly goldenDir: string
}

export function corpusPaths(root: string): CorpusPaths {
  const abs = resolve(root)
  return {root: abs, tracesDir: join(abs, 'traces'), goldenDir: join(abs, 'golden')}
}

/** The corpus around a traces directory of any name (regress and the oracle take case directories): golden/ beside it. */
export function corpusPathsOfTracesDir(tracesDir: string): CorpusPaths {
  const abs = resolve(tracesDir)
  return {root: dirname(abs), tracesDir: abs, goldenDir: join(dirname(abs), 'golden')}
}

export function validateCaseName(name: string): string {
  if (!CASE_NAME_PATTERN.test(name) || name.includes('..')) {
    throw new UsageError(`invalid case name ${JSON.stringify(name)}: use lower-case letters, digits, '.', '_' and '-' (max 64)`)
  }
  return name
}

export const caseDir = (p: CorpusPaths, name: string) => join(p.tracesDir, validateCaseName(name))
export const goldenPath = (p: CorpusPaths, name: string) => join(p.goldenDir, validateCaseName(name) + GOLDEN_SUFFIX)
export const pendingPath = (p: CorpusPaths, name: string) => join(p.goldenDir, validateCaseName(name) + PENDING_SUFFIX)

/** Cases: directories of traces/ holding a case.json, sorted by name. */
export async function listCases(p: CorpusPaths): Promise<string[]> {
  const entries = await readdir(p.tracesDir, {withFileTypes: true}).catch(() => [])
  const names: string[] = []
  for (const e of entries) {
    if (!e.isDirectory() || !CASE_NAME_PATTERN.test(e.name)) continue
    const meta = await stat(join(p.tracesDir, e.name, 'case.json')).catch(() => undefined)
    if (meta?.isFile()) names.push(e.name)
  }
  return names.sort()
}

/** Golden and pending files by case name. Files with other names in golden/ are ignored. */
export async function listGoldenFiles(p: CorpusPaths): Promise<{goldens: string[]; pending: string[]}> {
  const entries = await readdir(p.goldenDir).catch(() => [] as string[])
  const goldens: string[] = []
  const pending: string[] = []
  for (const f of entries) {
    if (f.endsWith(PENDING_SUFFIX)) {
      const name = f.slice(0, -PENDING_SUFFIX.length)
      if (CASE_NAME_PATTERN.test(name)) pending.push(name)
    } else if (f.endsWith(GOLDEN_SUFFIX)) {
      const name = f.slice(0, -GOLDEN_SUFFIX.length)
      if (CASE_NAME_PATTERN.test(name)) goldens.push(name)
    }
  }
  return {goldens: goldens.sort(), pending: pending.sort()}
}

/** What a case says about itself (traces/<case>/case.json), checked against case-schema.ts. */
export interface CaseMeta {
  readonly name: string
  readonly kind: 'capture' | 'fault' | string
  /** Input files relative to the case directory, in replay order; defaults to every file but case.json. */
  readonly inputs?: readonly (string | {readonly file: string; readonly format?: string})[]
  /** For hand-made fault cases: the kernel check the case exercises. */
  readonly kernelCheck?: string | {readonly function?: string; readonly file?: string; readonly rule?: string; readonly message?: string; readonly [key: string]: unknown}
  /** Replay settings for inputs that cannot carry them (static dumps have no dmesg): the kernel
   * profile and force_legacy. Captures leave this out: both come from the guest's dmesg. */
  readonly replay?: {readonly kernel?: string; readonly forceLegacy?: boolean}
  readonly [key: string]: unknown
}

export interface CaseInput {
  readonly path: string
  /** Name used in provenance: relative to the case directory, so goldens hold no absolute paths. */
  readonly displayName: string
  readonly format?: string
}

export async function readCaseMeta(p: CorpusPaths, name: string): Promise<CaseMeta> {
  const file = join(caseDir(p, name), 'case.json')
  const text = await readFile(file, 'utf8').catch(() => {
    throw new InputError(`case ${name} has no readable case.json`, {file})
  })
  const parsed = parseJsonWithLine(text, file)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('case.json must hold a JSON object', {file, line: 1})
  }
  validateCaseJson(text, file)
  return {...(parsed as Record<string, unknown>), name} as CaseMeta
}

/**
 * Input files of a case, in replay order: traces and dumps first, then dmesg. A symlink is followed
 * when it points inside the case directory, and refused otherwise; a case with no input is an error.
 */
export async function caseInputs(p: CorpusPaths, meta: CaseMeta): Promise<CaseInput[]> {
  const dir = caseDir(p, meta.name)
  const caseJson = join(dir, 'case.json')
  let inputs: CaseInput[]
  if (meta.inputs) {
    inputs = meta.inputs.map((entry) => {
      const spec = typeof entry === 'string' ? {file: entry} : entry
      if (spec.file.includes('/') || spec.file.startsWith('.')) {
        throw new InputError(`case input ${JSON.stringify(spec.file)} must be a file name inside the case`, {file: caseJson})
      }
      return {path: join(dir, spec.file), displayName: spec.file, format: spec.format}
    })
  } else {
    const entries = (await readdir(dir, {withFileTypes: true})).filter((e) => e.name !== 'case.json' && !e.name.startsWith('.'))
    const files = entries
      .filter((e) => e.isFile() || e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort((a, b) => inputRank(a) - inputRank(b) || a.localeCompare(b))
    inputs = files.map((f) => ({path: join(dir, f), displayName: f}))
  }
  if (inputs.length === 0) throw new InputError(`case ${meta.name} has no input files (only case.json): nothing to replay`, {file: dir})
  for (const input of inputs) await refuseOutsideLinks(dir, input.path)
  return inputs
}

/** A symlink (or a directory input holding one) must resolve inside the case directory. */
async function refuseOutsideLinks(dir: string, path: string): Promise<void> {
  const info = await lstat(path).catch(() => {
    throw new InputError('case input does not exist', {file: path})
  })
  if (info.isSymbolicLink()) {
    const [target, home] = await Promise.all([realpath(path).catch(() => undefined), realpath(dir)])
    if (target === undefined) throw new InputError('case input is a symlink to nothing', {file: path})
    const rel = relative(home, target)
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || resolve(home, rel) !== target) {
      throw new InputError(`case input is a symlink to ${target}, outside the case directory: copy the file into the case`, {file: path})
    }
  } else if (info.isDirectory()) {
    for (const entry of await readdir(path)) await refuseOutsideLinks(dir, join(path, entry))
  }
}

function inputRank(name: string): number {
  return /dmesg|console|kmsg/i.test(name) ? 1 : 0
}

/**
 * sha256 over every input of a case (name and bytes; directories recursively) as a hex string, and
 * per input: a file's own sha256 (as sha256sum prints it), or a directory's digest over its walk.
 */
export async function hashInputs(inputs: readonly CaseInput[]): Promise<{sha256: string; files: Record<string, string>}> {
  const outer = createHash('sha256')
  const files: Record<string, string> = {}
  for (const input of inputs) {
    outer.update(`${input.displayName}\0`)
    const own = createHash('sha256')
    const digest = await hashPath(input.path, {
      update: (s) => {
        outer.update(s)
        own.update(s)
      },
    })
    files[input.displayName] = digest ?? own.digest('hex')
  }
  return {sha256: outer.digest('hex'), files}
}

/** Feeds a path's digest material into `into`; returns the file's sha256 for a file. */
async function hashPath(path: string, into: {update(s: string): void}): Promise<string | undefined> {
  const s = await stat(path)
  if (s.isDirectory()) {
    for (const entry of (await readdir(path)).sort()) {
      into.update(`${entry}/\0`)
      await hashPath(join(path, entry), into)
    }
    return undefined
  }
  const inner = createHash('sha256')
  for await (const chunk of createReadStream(path)) inner.update(chunk as Buffer)
  const digest = inner.digest('hex')
  into.update(digest)
  return digest
}

/**
 * JSON.parse with errors turned into InputError at the right line. V8's messages do not always carry
 * a position, so on failure jsonc-parser (strict mode) locates the first error.
 */
export function parseJsonWithLine(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const errors: ParseError[] = []
    parseTolerant(text, errors, {disallowComments: true, allowTrailingComma: false})
    const first = errors[0]
    const line = first ? text.slice(0, first.offset).split('\n').length : 1
    const what = first ? printParseErrorCode(first.error) : (error as Error).message
    throw new InputError(`malformed JSON: ${what}`, {file, line})
  }
}
