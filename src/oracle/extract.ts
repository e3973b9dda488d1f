/**
 * Lifts named functions (and everything of their own files they need: static helpers, macros, local
 * types) out of kernel source files into one translation unit, unchanged, with #line markers so a
 * compiler error points at the kernel file. Names the glue provides are declared `extern` instead.
 */
import {createHash} from 'node:crypto'
import {type CItem, externDeclaration, parseCFile} from './csource.js'

export interface KernelSourceFile {
  /** Path inside the kernel tree, e.g. `drivers/pci/pci.c`. */
  readonly path: string
  readonly text: string
}

export interface ExtractRequest {
  /** Files the definitions may come from, headers first (that is the emission order). */
  readonly files: readonly KernelSourceFile[]
  readonly roots: readonly string[]
  /** Names the glue defines: declared extern with the kernel's own signature, never extracted. */
  readonly declareOnly?: ReadonlySet<string>
  /** Names defined in another translation unit of the harness: left as external references. */
  readonly external?: ReadonlySet<string>
  /** Text put before the extracted code (includes). */
  readonly prelude: string
  /** Text put after it (glue trampolines that need the file's static functions). */
  readonly epilogue?: string
}

export interface ExtractedSymbol {
  readonly name: string
  readonly file: string
  readonly line: number
}

export interface ExtractResult {
  readonly text: string
  readonly extracted: readonly ExtractedSymbol[]
  readonly declared: readonly string[]
  /** `extern` declarations of the roots, with the tree's own signatures (for other units). */
  readonly rootDeclarations: readonly string[]
}

export class ExtractError extends Error {
  override readonly name = 'ExtractError'
  constructor(
    message: string,
    readonly symbol: string,
    readonly files: readonly string[],
  ) {
    super(message)
  }
}

const DEFINITION_KINDS = new Set(['function', 'variable', 'type', 'macro'])

interface Located {
  readonly item: CItem
  readonly fileIndex: number
}

const parsedCache = new Map<string, CItem[]>()

function parseCached(file: KernelSourceFile): CItem[] {
  // The whole text decides: a patch that keeps the length (ENODEV -> EINVAL) must not hit the cache.
  const key = `${file.path}\u0000${createHash('sha256').update(file.text).digest('hex')}`
  let items = parsedCache.get(key)
  if (!items) {
    items = parseCFile(file.text)
    parsedCache.set(key, items)
  }
  return items
}

export function extractSymbols(req: ExtractRequest): ExtractResult {
  const index = new Map<string, Located[]>()
  req.files.forEach((file, fileIndex) => {
    for (const item of parseCached(file)) {
      if (!item.name || !DEFINITION_KINDS.has(item.kind)) continue
      const list = index.get(item.name) ?? []
      list.push({item, fileIndex})
      index.set(item.name, list)
    }
  })
  const declareOnly = req.declareOnly ?? new Set<string>()
  const external = req.external ?? new Set<string>()
  const chosen = new Set<Located>()
  const declared = new Map<string, Located>()
  const visited = new Set<string>()
  const queue: {name: string; fromFile: number}[] = []

  for (const root of req.roots) {
    const defs = (index.get(root) ?? []).filter((l) => l.item.kind === 'function' || l.item.kind === 'variable')
    if (defs.length === 0) {
      throw new ExtractError(
        `symbol ${root} is not defined in ${req.files.map((f) => f.path).join(', ')}`,
        root,
        req.files.map((f) => f.path),
      )
    }
    queue.push({name: root, fromFile: defs[0]!.fileIndex})
  }
  while (queue.length > 0) {
    const {name, fromFile} = queue.shift()!
    if (visited.has(name)) continue
    visited.add(name)
    const defs = index.get(name)
    if (!defs) continue
    if (!req.roots.includes(name) && external.has(name)) continue
    // Prefer the definitions in the referencing file (static helpers of the same name can exist in two files).
    const sameFile = defs.filter((d) => d.fileIndex === fromFile)
    const picked = sameFile.length > 0 ? sameFile : defs.filter((d) => d.fileIndex === defs[0]!.fileIndex)
    if (declareOnly.has(name)) {
      const decl = picked.find((d) => d.item.kind === 'function' || d.item.kind === 'variable')
      if (decl) declared.set(name, decl)
      continue
    }
    for (const def of picked) {
      chosen.add(def)
      for (const used of def.item.uses) if (!visited.has(used)) queue.push({name: used, fromFile: def.fileIndex})
    }
  }

  const ordered = [...chosen].sort((a, b) => a.fileIndex - b.fileIndex || a.item.pos - b.item.pos)
  const parts: string[] = [req.prelude.trimEnd(), '']
  for (const [, d] of declared) parts.push(externDeclaration(d.item))
  parts.push('')
  for (const {item, fileIndex} of ordered) {
    for (const level of item.conditions) parts.push(...level)
    parts.push(`#line ${item.line} "${req.files[fileIndex]!.path}"`)
    parts.push(item.text)
    for (let k = 0; k < item.conditions.length; k++) parts.push('#endif')
  }
  if (req.epilogue) parts.push('', req.epilogue)
  return {
    text: parts.join('\n') + '\n',
    extracted: ordered.map(({item, fileIndex}) => ({name: item.name, file: req.files[fileIndex]!.path, line: item.line})),
    declared: [...declared.keys()],
    rootDeclarations: req.roots.map((root) => {
      const def = (index.get(root) ?? []).find((l) => l.item.kind === 'function' || l.item.kind === 'variable')!
      return externDeclaration(def.item)
    }),
  }
}
