/** What every parser shares while reading one input: its name, the sink, warnings and counters. */
import type {WarningSink} from '../util/errors.js'
import type {RecordSink} from './sink.js'

export class IngestContext {
  records = 0
  readonly unknownEvents = new Map<string, number>()

  constructor(
    /** The name the user knows the input by (used in every SourceRef). */
    readonly file: string,
    readonly sink: RecordSink,
    readonly warnings: WarningSink,
  ) {}

  countUnknown(name: string): void {
    this.unknownEvents.set(name, (this.unknownEvents.get(name) ?? 0) + 1)
  }

  unknownEventsObject(): Record<string, number> {
    return Object.fromEntries(this.unknownEvents)
  }
}
