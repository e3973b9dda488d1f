import {describe, expect, it} from 'vitest'
import {blankCommentsAndStrings, parseCFile} from '../../src/oracle/csource.js'
import {ExtractError, extractSymbols} from '../../src/oracle/extract.js'

const FILE = `// SPDX
#include <linux/pci.h>
#define TTL 48
#define TWICE(x) ((x) * 2)

struct helper_state {
	int n;
};

static const char *names[] = { "a", "b" };
static bool force = false;
module_param(force, bool, 0444);

/* a comment with a brace { */
static int helper(struct helper_state *s)
{
	return s->n + TTL;	/* "}" in a comment */
}

#ifdef CONFIG_FOO
static int variant(void) { return 1; }
#else
static int variant(void) { return 2; }
#endif

int unused(void)
{
	return 0;
}

int root(void)
{
	struct helper_state st = { .n = TWICE(1) };
	if (force)
		return variant();
	return helper(&st) + (names[0][0] == '}');
}
EXPORT_SYMBOL(root);
`

describe('parseCFile', () => {
  const items = parseCFile(FILE)
  const byName = (n: string) => items.filter((i) => i.name === n)

  it('finds functions, variables, types and macros with their names', () => {
    expect(byName('helper')[0]?.kind).toBe('function')
    expect(byName('root')[0]?.kind).toBe('function')
    expect(byName('force')[0]?.kind).toBe('variable')
    expect(byName('names')[0]?.kind).toBe('variable')
    expect(byName('struct helper_state')[0]?.kind).toBe('type')
    expect(byName('TTL')[0]?.kind).toBe('macro')
    expect(byName('TWICE')[0]?.kind).toBe('macro')
  })

  it('does not take macro calls at top level for definitions', () => {
    expect(items.some((i) => i.name === 'module_param' || i.name === 'EXPORT_SYMBOL')).toBe(false)
  })

  it('keeps both definitions under #ifdef / #else, each with its condition', () => {
    const v = byName('variant')
    expect(v).toHaveLength(2)
    expect(v[0]!.conditions).toEqual([['#ifdef CONFIG_FOO']])
    expect(v[1]!.conditions).toEqual([['#ifdef CONFIG_FOO', '#else']])
  })

  it('is not fooled by braces in comments and strings', () => {
    const helper = byName('helper')[0]!
    expect(helper.text.trim().endsWith('}')).toBe(true)
    expect(helper.line).toBe(15)
    expect(blankCommentsAndStrings('a "}" /* { */ b')).toBe('a " "         b')
  })
})

describe('extractSymbols', () => {
  const files = [{path: 'drivers/x/x.c', text: FILE}]

  it('lifts a root with the static helpers, macros and types it needs, in file order, with #line markers', () => {
    const r = extractSymbols({files, roots: ['root'], declareOnly: new Set(['force']), prelude: '#include "k.h"'})
    const names = r.extracted.map((e) => e.name)
    expect(names).toEqual(['TTL', 'TWICE', 'struct helper_state', 'names', 'helper', 'variant', 'variant', 'root'])
    expect(names).not.toContain('unused')
    expect(r.declared).toEqual(['force'])
    expect(r.text).toContain('extern bool force;')
    expect(r.text).toContain('#line 31 "drivers/x/x.c"')
    expect(r.text).toMatch(/#ifdef CONFIG_FOO\n#else\n#line \d+ "drivers\/x\/x.c"\nstatic int variant\(void\) \{ return 2; \}\n#endif/)
    expect(r.rootDeclarations).toEqual(['extern int root(void);'])
  })

  it('leaves names another unit or the glue provides as references', () => {
    const r = extractSymbols({files, roots: ['root'], external: new Set(['helper', 'force']), prelude: ''})
    expect(r.extracted.map((e) => e.name)).not.toContain('helper')
    expect(r.text).not.toContain('static bool force')
  })

  it('names the symbol and the files when a root is missing', () => {
    expect(() => extractSymbols({files, roots: ['vp_modern_probe'], prelude: ''})).toThrow(ExtractError)
    try {
      extractSymbols({files, roots: ['vp_modern_probe'], prelude: ''})
    } catch (e) {
      expect((e as ExtractError).symbol).toBe('vp_modern_probe')
      expect((e as ExtractError).message).toContain('drivers/x/x.c')
    }
  })
})
