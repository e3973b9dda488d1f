import {UsageError} from '../util/errors.js'

const CSV_FIELDS = ['time', 'bdf', 'op', 'offset', 'size', 'value']

/** `--columns offset=Address,value=Data` → {offset: 'Address', value: 'Data'}. */
export function parseColumnsFlag(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined
  const map: Record<string, string> = {}
  for (const part of text.split(',')) {
    const [field, name] = part.split('=').map((s) => s.trim())
    if (!field || !name || !CSV_FIELDS.includes(field)) {
      throw new UsageError(`--columns: expected FIELD=HEADER pairs with FIELD one of ${CSV_FIELDS.join(', ')} (got ${JSON.stringify(part)})`)
    }
    map[field] = name
  }
  return map
}
