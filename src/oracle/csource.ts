/**
 * A small reader of kernel C files: splits a file into its top-level items (function and data
 * definitions, struct types, macros), each with the preprocessor conditions it sits under, the names
 * it defines and the identifiers it uses. Enough to lift named functions out of a kernel tree at
 * build time, never a general C parser.
 */

export type ItemKind = 'function' | 'variable' | 'type' | 'macro' | 'prototype' | 'other'

export interface CItem {
  readonly kind: ItemKind
  /** Defined name; `struct foo` for tagged types. Empty for items that define nothing we track. */
  readonly name: string
  readonly text: string
  /** 1-based line of the item's first character. */
  readonly line: number
  /** Position in the file, to keep the original order. */
  readonly pos: number
  /** Enclosing #if / #ifdef / #elif / #else lines, outermost first (re-emitted around the item). */
  readonly conditions: readonly string[][]
  /** Identifiers used by the item (tagged types as `struct foo`), excluding its own name. */
  readonly uses: ReadonlySet<string>
}

const C_KEYWORDS = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    '_Bool _Static_assert typeof __typeof__ __attribute__ asm __asm__ bool true false NULL').split(' '),
)

/** Replaces comments and the contents of string/char literals by spaces, keeping offsets and newlines. */
export function blankCommentsAndStrings(src: string): string {
  const out = src.split('')
  let i = 0
  const n = src.length
  while (i < n) {
    const c = src[i]
    const d = src[i + 1]
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') out[i++] = ' '
    } else if (c === '/' && d === '*') {
      out[i] = out[i + 1] = ' '
      i += 2
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] !== '\n') out[i] = ' '
        i++
      }
      if (i < n) out[i] = out[i + 1] = ' '
      i += 2
    } else if (c === '"' || c === "'") {
      i++
      while (i < n && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') out[i++] = ' '
        if (i < n && src[i] !== '\n') out[i] = ' '
        i++
      }
      i++
    } else {
      i++
    }
  }
  return out.join('')
}

export function identifiersIn(blanked: string): Set<string> {
  const found = new Set<string>()
  const tokens = blanked.match(/[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (!/^[A-Za-z_]/.test(t)) continue
    if ((t === 'struct' || t === 'union' || t === 'enum') && tokens[i + 1] && /^[A-Za-z_]/.test(tokens[i + 1]!)) {
      found.add(`${t} ${tokens[i + 1]}`)
      i++
      continue
    }
    if (!C_KEYWORDS.has(t)) found.add(t)
  }
  return found
}

/** Splits a C file into top-level items. */
export function parseCFile(src: string): CItem[] {
  const blank = blankCommentsAndStrings(src)
  const items: CItem[] = []
  const condStack: string[][] = []
  let lineStarts: number[] | undefined
  const lineOf = (pos: number): number => {
    if (!lineStarts) {
      lineStarts = [0]
      for (let k = 0; k < src.length; k++) if (src[k] === '\n') lineStarts.push(k + 1)
    }
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (lineStarts[mid]! <= pos) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
  const n = src.length
  let i = 0
  let itemStart = -1
  let brace = 0
  let paren = 0
  const atLineStart = (pos: number): boolean => {
    for (let k = pos - 1; k >= 0; k--) {
      const ch = blank[k]
      if (ch === '\n') return true
      if (ch !== ' ' && ch !== '\t') return false
    }
    return true
  }
  const finishItem = (end: number): void => {
    if (itemStart < 0) return
    const text = src.slice(itemStart, end)
    const btext = blank.slice(itemStart, end)
    if (btext.trim()) items.push(classify(text, btext, lineOf(itemStart), itemStart, condStack))
    itemStart = -1
  }
  while (i < n) {
    const c = blank[i]!
    if (c === '#' && brace === 0 && atLineStart(i)) {
      // Preprocessor directive (with continuation lines), at top level.
      let end = i
      while (end < n && !(blank[end] === '\n' && blank[end - 1] !== '\\')) end++
      const text = src.slice(i, end)
      const btext = blank.slice(i, end)
      const m = /^#\s*(\w+)/.exec(btext)
      const directive = m?.[1] ?? ''
      if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') condStack.push([btext.trim()])
      else if (directive === 'elif' || directive === 'else') condStack[condStack.length - 1]?.push(btext.trim())
      else if (directive === 'endif') condStack.pop()
      else if (directive === 'define') {
        const dm = /^#\s*define\s+([A-Za-z_]\w*)/.exec(btext)
        if (dm) {
          const name = dm[1]!
          const uses = identifiersIn(btext.replace(/^#\s*define\s+[A-Za-z_]\w*/, ''))
          uses.delete(name)
          items.push({kind: 'macro', name, text, line: lineOf(i), pos: i, conditions: condStack.map((s) => [...s]), uses})
        }
      }
      i = end
      continue
    }
    if (itemStart < 0) {
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        i++
        continue
      }
      itemStart = i
    }
    if (c === '(') paren++
    else if (c === ')') paren--
    else if (c === '{') brace++
    else if (c === '}') {
      brace--
      if (brace === 0 && paren === 0) {
        // A function body ends the item; a struct type or an initializer goes on to its `;`.
        if (isFunctionHead(blank.slice(itemStart, i))) {
          finishItem(i + 1)
          i++
          continue
        }
      }
    } else if (c === ';' && brace === 0 && paren === 0) {
      finishItem(i + 1)
      i++
      continue
    }
    i++
  }
  finishItem(n)
  return items
}

/** True if the text up to its first top-level `{` ends with a parameter list: a function definition. */
function isFunctionHead(btext: string): boolean {
  const brace = btext.indexOf('{')
  if (brace < 0) return false
  const head = btext.slice(0, brace).trimEnd()
  return head.endsWith(')') && !/=/.test(stripParens(head))
}

function stripParens(s: string): string {
  let depth = 0
  let out = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (depth === 0) out += ch
    if (ch === ')') depth--
  }
  return out
}

function nameBeforeParamList(head: string): string {
  // head ends with ')': find its matching '(' and take the identifier before it.
  let depth = 0
  for (let k = head.length - 1; k >= 0; k--) {
    const ch = head[k]
    if (ch === ')') depth++
    else if (ch === '(') {
      depth--
      if (depth === 0) {
        const before = head.slice(0, k).trimEnd()
        const m = /([A-Za-z_]\w*)$/.exec(before)
        return m?.[1] ?? ''
      }
    }
  }
  return ''
}

function classify(text: string, btext: string, line: number, pos: number, condStack: string[][]): CItem {
  const conditions = condStack.map((s) => [...s])
  const braceAt = btext.indexOf('{')
  const head = (braceAt >= 0 ? btext.slice(0, braceAt) : btext.replace(/;\s*$/, '')).trim()
  const flat = stripParens(head)
  let kind: ItemKind = 'other'
  let name = ''
  if (braceAt >= 0 && isFunctionHead(btext)) {
    kind = 'function'
    name = nameBeforeParamList(head)
  } else if (/=/.test(flat)) {
    kind = 'variable'
    const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*=/.exec(flat)
    name = m?.[1] ?? ''
  } else if (braceAt >= 0 && /^(typedef\s+)?(struct|union|enum)\s+[A-Za-z_]\w*\s*$/.test(head)) {
    kind = 'type'
    name = head.replace(/^typedef\s+/, '').replace(/\s+/g, ' ')
  } else if (head.endsWith(')')) {
    // `int foo(int);` is a prototype; `EXPORT_SYMBOL(foo);` (one token before the paren) is a macro call.
    const tokens = flat.trim().split(/\s+|\*/).filter(Boolean)
    if (tokens.length >= 2) {
      kind = 'prototype'
      name = nameBeforeParamList(head)
    }
  } else if (braceAt < 0) {
    const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*$/.exec(flat)
    const tokens = flat.split(/\s+/).filter(Boolean)
    if (m && tokens.length >= 2) {
      kind = 'variable'
      name = m[1]!
    }
  }
  const uses = identifiersIn(btext)
  uses.delete(name)
  return {kind, name, text, line, pos, conditions, uses}
}

/** The signature of a function definition or the declarator of a variable, as an `extern` declaration. */
export function externDeclaration(item: CItem): string {
  const blank = blankCommentsAndStrings(item.text)
  let head: string
  if (item.kind === 'function') head = item.text.slice(0, blank.indexOf('{'))
  else if (item.kind === 'variable') {
    const eq = stripParensKeepIndex(blank)
    head = item.text.slice(0, eq >= 0 ? eq : blank.lastIndexOf(';'))
  } else throw new Error(`cannot declare ${item.kind} ${item.name}`)
  const cleaned = blankCommentsAndStrings(head)
    .replace(/\b(static|inline|__always_inline|noinline|__init|__exit)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return `extern ${cleaned};`
}

function stripParensKeepIndex(s: string): number {
  let depth = 0
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]
    if (ch === '(' || ch === '[') depth++
    else if (ch === ')' || ch === ']') depth--
    else if (ch === '=' && depth === 0) return k
  }
  return -1
}
