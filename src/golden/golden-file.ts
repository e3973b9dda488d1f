/**
 * A golden file: the claim about every device of one case (claim.ts), and apart from it a header of
 * metadata (the inputs' digests, the tool version) that never makes a case fail.
 *
 * Rendered as canonical JSON (sorted keys, 2-space indent, LF) in which an object or array that fits
 * on one line is written on one line: a mapping, a message, a check's facts each read as one line.
 */
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {InputError} from '../util/errors.js'
import {parseJsonWithLine} from '../corpus/corpus.js'
import {sortKeys} from './canonical-json.js'
import {type DeviceClaim, type ReplayedDevice, asSchema1, deviceClaim} from './claim.js'
import {writeGoldenFile} from './golden-write.js'

/** 2: the claim (claim.ts) with a metadata header. 1: every decision step with its reads (migrated on read). */
export const GOLDEN_SCHEMA_VERSION = 2

export interface GoldenHeader {
  readonly schema: number
  readonly case: string
  readonly kernelProfile: string
  /** sha256 of the inputs: `sha256` over all of them (name and bytes), `files` per input. */
  readonly inputs: {readonly sha256: string; readonly files: Readonly<Record<string, string>>}
  /** The probediff version that wrote the golden. */
  readonly probediff: string
}

export interface GoldenDocument {
  readonly header: GoldenHeader
  /** One claim per device, in BDF order. */
  readonly devices: readonly DeviceClaim[]
}

/** A golden as read: its document in the current schema, and the schema it was written in. */
export interface ReadGolden {
  readonly doc: GoldenDocument
  readonly text: string
  /** The schema of the file; an older one was migrated (`doc` holds only what that schema recorded). */
  readonly schema: number
}

export function goldenDocument(header: Omit<GoldenHeader, 'schema' | 'probediff'>, devices: readonly ReplayedDevice[], release: string | undefined): GoldenDocument {
  return {header: {schema: GOLDEN_SCHEMA_VERSION, probediff: toolVersion(), ...header}, devices: devices.map((d) => deviceClaim(d, release))}
}

let version: string | undefined
/** package.json's version (the same file from src/golden and dist/golden). */
function toolVersion(): string {
  version ??= (createRequire(import.meta.url)('../../package.json') as {version: string}).version
  return version
}

/** The claims of a document as text, as the comparison and the diff see them. */
export function renderClaims(devices: readonly DeviceClaim[]): string {
  return renderCompact({devices})
}

export function renderGolden(doc: GoldenDocument): string {
  return renderCompact(doc)
}

export async function writeGolden(path: string, doc: GoldenDocument): Promise<void> {
  await writeGoldenFile(path, renderGolden(doc))
}

/** Reads, validates and (from schema 1) migrates a golden; a malformed one is an InputError with file:line. */
export async function readGolden(path: string): Promise<ReadGolden | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InputError(`cannot read golden: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {file: path})
  }
  const parsed = parseJsonWithLine(text, path) as {header?: Record<string, unknown>; devices?: unknown}
  const header = parsed?.header
  if (!header || typeof header !== 'object') throw new InputError('golden has no header object', {file: path, line: 1})
  const fail = (what: string, needle = '"header"') => new InputError(what, {file: path, line: lineOf(text, needle)})
  if (!Array.isArray(parsed.devices)) throw new InputError('golden has no devices array', {file: path, line: 1})
  for (const key of ['case', 'kernelProfile'] as const) if (typeof header[key] !== 'string') throw fail(`golden header lacks ${key}`)
  if (header.schema === 1) {
    if (typeof header.traceSha256 !== 'string') throw fail('golden header lacks traceSha256')
    return {doc: migrateSchema1(header, parsed.devices as ReplayedDevice[]), text, schema: 1}
  }
  if (header.schema !== GOLDEN_SCHEMA_VERSION) throw fail(`golden schema ${String(header.schema)} is not ${GOLDEN_SCHEMA_VERSION} (or 1, migrated)`, '"schema"')
  const inputs = header.inputs as GoldenHeader['inputs'] | undefined
  if (typeof inputs?.sha256 !== 'string' || typeof inputs.files !== 'object') throw fail('golden header lacks inputs.sha256 / inputs.files')
  return {doc: parsed as unknown as GoldenDocument, text, schema: GOLDEN_SCHEMA_VERSION}
}

/**
 * Schema 1 held each device's whole replay result (decision path, reads, capability walk) without the
 * check facts. Its claim is what deviceClaim takes from that result, less what schema 1 never recorded.
 */
function migrateSchema1(header: Record<string, unknown>, devices: readonly ReplayedDevice[]): GoldenDocument {
  return {
    header: {
      schema: 1,
      case: header.case as string,
      kernelProfile: header.kernelProfile as string,
      inputs: {sha256: header.traceSha256 as string, files: {}},
      probediff: '',
    },
    devices: devices.map((d) => asSchema1(deviceClaim(d, undefined))),
  }
}

/** A fresh claim in the form a golden of `schema` records, to compare with that golden. */
export function claimsAsOf(schema: number, devices: readonly DeviceClaim[]): readonly DeviceClaim[] {
  return schema === 1 ? devices.map(asSchema1) : devices
}

/** Lines at most this wide keep an object or array on one line. */
const LINE_WIDTH = 160

function renderCompact(value: unknown): string {
  return `${render(sortKeys(value), '', 0)}\n`
}

function render(value: unknown, indent: string, used: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const inline = renderInline(value)
  if (indent.length + used + inline.length <= LINE_WIDTH) return inline
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => inner + render(v, inner, 1)).join(',\n')}\n${indent}]`
  }
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) return '{}'
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${render(v, inner, JSON.stringify(k).length + 3)}`).join(',\n')}\n${indent}}`
}

function renderInline(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(renderInline).join(', ')}]`
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${renderInline(v)}`).join(', ')}}`
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle)
  return at < 0 ? 1 : text.slice(0, at).split('\n').length
}
