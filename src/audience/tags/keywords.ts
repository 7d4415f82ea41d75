/**
 * Keyword matching for chat messages, pure. Keywords are plain text, never patterns: no user-supplied regular
 * expression ever runs, so no message can make matching backtrack. All keywords of a brand go into one
 * Aho–Corasick automaton: a message is read once, in time proportional to its length plus the matches, however
 * many keywords there are. Both sides are normalised (NFKC, lower case) so that full-width and half-width forms
 * and letter case match.
 */

export const MAX_KEYWORDS_PER_TAG = 100;
export const MAX_KEYWORD_LENGTH = 50;
export const MAX_MESSAGE_LENGTH = 4_000;

export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

interface Node {
  next: Map<string, number>;
  fail: number;
  /** Labels of the keywords ending here, including those reached through fail links. */
  out: string[];
}

export class KeywordMatcher {
  readonly #nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];

  /** `entries`: each keyword with the label it stands for (a tag id); one label may have many keywords. */
  constructor(entries: readonly { keyword: string; label: string }[]) {
    for (const { keyword, label } of entries) {
      const word = normalizeText(keyword);
      if (word.length === 0) continue;
      let state = 0;
      for (const ch of word) {
        const node = this.#node(state);
        let target = node.next.get(ch);
        if (target === undefined) {
          target = this.#nodes.length;
          this.#nodes.push({ next: new Map(), fail: 0, out: [] });
          node.next.set(ch, target);
        }
        state = target;
      }
      this.#node(state).out.push(label);
    }
    this.#link();
  }

  #node(index: number): Node {
    const node = this.#nodes[index];
    if (!node) throw new Error(`automaton state ${index} missing`);
    return node;
  }

  /** Breadth-first fail links: the longest proper suffix of each state that is also a prefix of a keyword. */
  #link(): void {
    const queue: number[] = [];
    for (const child of this.#node(0).next.values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const index = queue[head] ?? 0;
      const node = this.#node(index);
      for (const [ch, child] of node.next) {
        let fallback = node.fail;
        while (fallback !== 0 && !this.#node(fallback).next.has(ch)) fallback = this.#node(fallback).fail;
        const candidate = this.#node(fallback).next.get(ch);
        const childNode = this.#node(child);
        childNode.fail = candidate !== undefined && candidate !== child ? candidate : 0;
        childNode.out.push(...this.#node(childNode.fail).out);
        queue.push(child);
      }
    }
  }

  /** The labels whose keywords occur in `text` (at most the first MAX_MESSAGE_LENGTH characters are read). */
  match(text: string): Set<string> {
    const found = new Set<string>();
    let state = 0;
    for (const ch of normalizeText(text.slice(0, MAX_MESSAGE_LENGTH))) {
      while (state !== 0 && !this.#node(state).next.has(ch)) state = this.#node(state).fail;
      state = this.#node(state).next.get(ch) ?? 0;
      for (const label of this.#node(state).out) found.add(label);
    }
    return found;
  }
}
