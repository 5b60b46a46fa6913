// Word-level differences between what the rep typed and what the standardizer suggests, so
// the suggestion is read as a set of changes rather than compared by eye.

export interface DiffPart {
  text: string;
  /** `same` in both, `removed` from what was typed, `added` by the suggestion. */
  kind: "same" | "removed" | "added";
}

/** The longest common subsequence of words, then what each side adds around it. */
export function diffWords(typed: string, suggested: string): DiffPart[] {
  const a = typed.split(/\s+/).filter(Boolean);
  const b = suggested.split(/\s+/).filter(Boolean);
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = table[i]!;
      row[j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, row[j + 1]!);
    }
  }

  const parts: DiffPart[] = [];
  const push = (text: string, kind: DiffPart["kind"]) => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += ` ${text}`;
    else parts.push({ text, kind });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push(a[i]!, "same");
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) {
      push(a[i++]!, "removed");
    } else {
      push(b[j++]!, "added");
    }
  }
  while (i < a.length) push(a[i++]!, "removed");
  while (j < b.length) push(b[j++]!, "added");
  return parts;
}
