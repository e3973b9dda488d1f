/**
 * The schema of traces/<case>/case.json, checked on load: an unknown key, a value of the wrong type, an
 * unknown input format or kernel release is an InputError at the line it is on (a typo such as
 * `"format": "qemu_log"` must not quietly make every device undetermined). The keys probediff reads
 * (inputs, replay) are checked to the leaf; the descriptive records a capture or a fault case keeps
 * (qemu, kernel, run, seed, oracle, ...) are checked for their type only.
 */
import {type Node, parseTree} from 'jsonc-parser'
import {INPUT_FORMATS} from '../ingest/sniff.js'
import {PROFILE_NAMES, ReleaseOutOfRange, resolveRelease} from '../model/profiles.js'
import {InputError} from '../util/errors.js'

type Spec =
  | {readonly type: 'string'; readonly oneOf?: readonly string[]; readonly what?: string; readonly valid?: (v: string) => boolean; readonly hint?: string}
  | {readonly type: 'number' | 'boolean'}
  | {readonly type: 'array'; readonly items: Spec}
  /** `keys` absent: a descriptive record whose keys are not checked. */
  | {readonly type: 'object'; readonly keys?: Readonly<Record<string, Spec>>; readonly required?: readonly string[]}
  | {readonly type: 'either'; readonly options: readonly Spec[]}

const string: Spec = {type: 'string'}
const number: Spec = {type: 'number'}
const boolean: Spec = {type: 'boolean'}
const record: Spec = {type: 'object'}
const list: Spec = {type: 'array', items: record}

/** A profile name or a release of the modelled range. */
function knownRelease(v: string): boolean {
  try {
    return resolveRelease(v) !== undefined
  } catch (e) {
    if (e instanceof ReleaseOutOfRange) return false
    throw e
  }
}

const inputEntry: Spec = {
  type: 'either',
  options: [
    string,
    {type: 'object', required: ['file'], keys: {file: string, format: {type: 'string', oneOf: INPUT_FORMATS, what: 'input format'}}},
  ],
}

/** Every key a case.json may hold. */
export const CASE_SCHEMA: Spec = {
  type: 'object',
  keys: {
    formatVersion: number,
    name: string,
    kind: string,
    notes: string,
    createdAt: string,
    inputs: {type: 'array', items: inputEntry},
    replay: {
      type: 'object',
      keys: {
        kernel: {type: 'string', what: 'kernel', valid: knownRelease, hint: `a profile (${PROFILE_NAMES.join(', ')}) or a release`},
        forceLegacy: boolean,
      },
    },
    kernelCheck: {type: 'either', options: [string, record]},
    arch: string,
    machine: string,
    devices: list,
    append: string,
    appendExtra: string,
    forceLegacy: boolean,
    kernel: record,
    initramfs: record,
    qemu: record,
    events: record,
    run: record,
    files: record,
    reproduce: string,
    seed: record,
    mutation: list,
    oracle: record,
    /** How the case's lspci.txt was made (capture --lspci; traces/add-lspci.sh): not a replay input. */
    lspci: record,
  },
}

/** Checks the text of a case.json (already known to be valid JSON) against CASE_SCHEMA. */
export function validateCaseJson(text: string, file: string): void {
  const root = parseTree(text)
  if (!root) throw new InputError('case.json must hold a JSON object', {file, line: 1})
  const problem = check(root, CASE_SCHEMA, '')
  if (problem) throw new InputError(problem.message, {file, line: lineAt(text, problem.node.offset)})
}

interface Problem {
  readonly node: Node
  readonly message: string
}

const typeOf = (node: Node): string => (node.type === 'null' ? 'null' : node.type === 'array' ? 'an array' : node.type === 'object' ? 'an object' : `a ${node.type}`)

function check(node: Node, spec: Spec, path: string): Problem | undefined {
  const where = path === '' ? 'case.json' : `"${path}"`
  if (spec.type === 'either') {
    const sameType = spec.options.find((o) => o.type === node.type)
    if (sameType) return check(node, sameType, path)
    return {node, message: `${where} must be ${spec.options.map((o) => article(o.type)).join(' or ')}, not ${typeOf(node)}`}
  }
  if (node.type !== spec.type) return {node, message: `${where} must be ${article(spec.type)}, not ${typeOf(node)}`}
  switch (spec.type) {
    case 'string': {
      const value = node.value as string
      if (spec.oneOf && !spec.oneOf.includes(value)) return {node, message: `${where}: unknown ${spec.what ?? 'value'} ${JSON.stringify(value)} (one of ${spec.oneOf.join(', ')})`}
      if (spec.valid && !spec.valid(value)) return {node, message: `${where}: unknown ${spec.what ?? 'value'} ${JSON.stringify(value)} (${spec.hint ?? 'see the README'})`}
      return undefined
    }
    case 'array':
      for (const [i, item] of (node.children ?? []).entries()) {
        const p = check(item, spec.items, `${path}[${i}]`)
        if (p) return p
      }
      return undefined
    case 'object': {
      if (!spec.keys) return undefined
      const seen = new Set<string>()
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? []
        const key = keyNode?.value as string
        const sub = path === '' ? key : `${path}.${key}`
        seen.add(key)
        const child = spec.keys[key]
        if (!child) return {node: keyNode ?? prop, message: `${where}: unknown key "${key}" (known: ${Object.keys(spec.keys).join(', ')})`}
        if (valueNode) {
          const p = check(valueNode, child, sub)
          if (p) return p
        }
      }
      const missing = (spec.required ?? []).find((k) => !seen.has(k))
      return missing === undefined ? undefined : {node, message: `${where} lacks "${missing}"`}
    }
    default:
      return undefined
  }
}

const article = (type: string): string => (type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`)

function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}
