// Words and shapes for the review views. Matches and disagreements arrive typed from the
// service; a colliding edit's base, ours and theirs arrive as the corrections stored them
// (JSON), read here so that anything missing or of the wrong type reads as absent and an odd
// item still shows what it has.

export interface CollidingField {
  field: string;
  base: string | null;
  ours: string | null;
  theirs: string | null;
}

type Json = Record<string, unknown>;

const object = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const text = (v: unknown): string | null =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function collidingFields(evidence: unknown): CollidingField[] {
  return list(object(evidence).fields).map((raw) => {
    const f = object(raw);
    return { field: text(f.field) ?? "?", base: text(f.base), ours: text(f.ours), theirs: text(f.theirs) };
  });
}

/** "87 %" for a probability; the last few tenths matter near certainty. */
export function describeProbability(p: number): string {
  // A rounded "100 %" would claim certainty the engine never has.
  if (p >= 0.999) return "over 99.9 %";
  if (p >= 0.995) return `${(p * 100).toFixed(1)} %`;
  return `${Math.round(p * 100)} %`;
}

/** How a survivorship rule reads to a supervisor. */
export function describeRule(rule: string | null): string {
  switch (rule) {
    case "owner":
      return "the system that owns this field";
    case "most_recent":
      return "the most recent value";
    case "most_complete":
      return "the most complete value";
    case "supervisor_choice":
      return "a supervisor's choice";
    default:
      return rule ?? "unknown rule";
  }
}
