/**
 * The natural bound of a listing of PCI functions (lspci output, pasted config dumps): one entry
 * per function, and one PCI domain has 256 buses x 32 devices x 8 functions. A listing with more
 * entries, or with this many lines and no new entry (a real entry is a few hundred lines at most:
 * `lspci -vvv -xxxx`, `xxd -c 1` of 4096 bytes), is no listing but an endless or repeated input
 * (`yes LINE |`, a generator): refused with one error at the line that crosses the bound, where
 * reading on would never end. So is one function listed again and again: a report may paste the
 * listings of a few runs (`lspci -vv` and `lspci -xxx`, dumps before and after), never dozens.
 * Traces and kernel logs have no such bound: they stream.
 */
import {InputError} from '../util/errors.js'

export const MAX_LISTED_FUNCTIONS = 256 * 32 * 8
export const MAX_LINES_WITHOUT_ENTRY = 65_536
export const MAX_ENTRIES_PER_FUNCTION = 64

export class ListingBound {
  private entries = 0
  /** The line of the last entry (0 before the first). */
  private entryLine = 0
  private readonly perFunction = new Map<string, number>()

  constructor(
    private readonly file: string,
    /** What the input is and what one entry is: 'lspci output', 'a device header line'. */
    private readonly listing: string,
    private readonly entry: string,
  ) {}

  /** Every line, entry or not. */
  line(lineNo: number): void {
    if (lineNo - this.entryLine > MAX_LINES_WITHOUT_ENTRY) {
      throw new InputError(`more than ${MAX_LINES_WITHOUT_ENTRY} lines without ${this.entry}: not one ${this.listing} (an endless or repeated input?)`, {file: this.file, line: lineNo})
    }
  }

  /** A line that starts an entry (after `line`). */
  startsEntry(lineNo: number): void {
    this.entryLine = lineNo
    if (++this.entries > MAX_LISTED_FUNCTIONS) {
      throw new InputError(`more than ${MAX_LISTED_FUNCTIONS} entries (one PCI domain's functions): not one ${this.listing} (an endless or repeated input?)`, {file: this.file, line: lineNo})
    }
  }

  /** The function (its address) an entry is of. */
  entryOf(bdf: string, lineNo: number): void {
    const n = (this.perFunction.get(bdf) ?? 0) + 1
    this.perFunction.set(bdf, n)
    if (n > MAX_ENTRIES_PER_FUNCTION) {
      throw new InputError(`${bdf} listed more than ${MAX_ENTRIES_PER_FUNCTION} times: not one ${this.listing} (an endless or repeated input?)`, {file: this.file, line: lineNo})
    }
  }
}
