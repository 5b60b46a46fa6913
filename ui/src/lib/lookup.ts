// The search box's lookups: one per pause in typing, and only the answer to the latest text
// is shown. Kept apart from the markup so the timing rules are tested on their own.

import type { BackendError, LookupHit, LookupResults } from "./backend";
import { toBackendError } from "./backend";

/** What the results list shows for one text. */
export interface LookupAnswer {
  query: string;
  hits: LookupHit[];
  /** False while nothing was asked (an empty box), so "no matches" is not shown yet. */
  searched: boolean;
  failure: BackendError | null;
}

/**
 * Runs a lookup once the rep pauses for `delayMs`, and hands over an answer only if no newer
 * text was typed since: a slow answer to "55" never replaces the answer to "555".
 */
export class LatestLookup {
  #sequence = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly run: (query: string) => Promise<LookupResults>,
    private readonly delayMs: number,
    private readonly onAnswer: (answer: LookupAnswer) => void,
  ) {}

  /** The box now holds `text`. */
  type(text: string): void {
    const mine = ++this.#sequence;
    this.#cancelTimer();

    if (text.trim() === "") {
      this.onAnswer({ query: text, hits: [], searched: false, failure: null });
      return;
    }

    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.run(text).then(
        (results) => {
          if (mine === this.#sequence) {
            this.onAnswer({ query: text, hits: results.hits, searched: true, failure: null });
          }
        },
        (rejection: unknown) => {
          if (mine === this.#sequence) {
            const failure = toBackendError(rejection);
            this.onAnswer({ query: text, hits: [], searched: true, failure });
          }
        },
      );
    }, this.delayMs);
  }

  /** Drops whatever is pending; nothing is handed over after this. */
  dispose(): void {
    this.#sequence++;
    this.#cancelTimer();
  }

  #cancelTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
