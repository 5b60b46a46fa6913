// Marks the part of a result's matched value that answers what the rep typed, so the eye
// finds at once why a customer is in the list.

import type { MatchedField } from "./ipc/MatchedField";

/** A run of the value's text, marked or not. */
export interface Part {
  text: string;
  mark: boolean;
}

/**
 * Splits `value` into runs, marking what `query` matched. Phone numbers, order numbers and
 * postcodes match on their letters and digits whatever the punctuation; names, companies and
 * addresses match word prefixes regardless of case and accents. A close-spelling match marks
 * nothing rather than something wrong.
 */
export function highlight(value: string, query: string, field: MatchedField): Part[] {
  const marked = new Array<boolean>(value.length).fill(false);

  switch (field) {
    case "phone":
    case "orderNumber":
    case "postcode":
      markCharacters(value, query, marked);
      break;
    case "email":
      markSubstring(value, query.trim(), marked);
      break;
    default:
      markWordPrefixes(value, query, marked);
  }

  return runs(value, marked);
}

/** Lower case without accents, one entry per character of the input. */
function fold(c: string): string {
  return c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function markCharacters(value: string, query: string, marked: boolean[]) {
  const positions: number[] = [];
  let letters = "";
  for (let i = 0; i < value.length; i++) {
    const c = fold(value.charAt(i));
    if (/^[\p{L}\p{N}]$/u.test(c)) {
      positions.push(i);
      letters += c;
    }
  }
  const wanted = [...query].map(fold).filter((c) => /^[\p{L}\p{N}]$/u.test(c)).join("");
  if (wanted === "") return;

  // A number typed with its country code ("+1 555 0142") still marks the national digits the
  // value shows: the longest tail of what was typed that the value holds is marked.
  for (let start = 0; start < wanted.length; start++) {
    const tail = wanted.slice(start);
    if (tail.length < Math.min(3, wanted.length)) return;
    const at = letters.indexOf(tail);
    if (at >= 0) {
      const from = positions[at] ?? 0;
      const to = positions[at + tail.length - 1] ?? from;
      for (let i = from; i <= to; i++) marked[i] = true;
      return;
    }
  }
}

function markSubstring(value: string, query: string, marked: boolean[]) {
  if (query === "") return;
  const at = value.toLowerCase().indexOf(query.toLowerCase());
  if (at < 0) return;
  for (let i = at; i < at + query.length; i++) marked[i] = true;
}

function markWordPrefixes(value: string, query: string, marked: boolean[]) {
  const words = query.split(/[\s,]+/).map((w) => [...w].map(fold).join("")).filter(Boolean);
  const folded = [...value].map(fold);

  for (const word of words) {
    for (let i = 0; i < value.length; i++) {
      const startsWord = i === 0 || /[\s,\-'./]/.test(value.charAt(i - 1));
      if (!startsWord) continue;
      let j = i;
      let taken = "";
      while (j < value.length && taken.length < word.length) taken += folded[j++];
      if (taken === word) {
        for (let k = i; k < j; k++) marked[k] = true;
      }
    }
  }
}

function runs(value: string, marked: boolean[]): Part[] {
  const parts: Part[] = [];
  for (let i = 0; i < value.length; i++) {
    const mark = marked[i] ?? false;
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += value.charAt(i);
    else parts.push({ text: value.charAt(i), mark });
  }
  return parts;
}
