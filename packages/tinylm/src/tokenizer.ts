// The model's tokenizer: one token per character. It fixes what a "token" is for usage and billing: a prompt of
// n characters is n prompt tokens, an answer of m characters m completion tokens.

/** Token of "\n"; printable ASCII (32–126) follows as tokens 1–95. */
export const NEWLINE = 0;
/** Token of any character outside "\n" and printable ASCII; it decodes as "?". */
export const UNKNOWN = 96;
/** Number of distinct tokens. */
export const VOCAB_SIZE = 97;

/**
 * Encodes text as tokens, one per character (a tab counts as a space, "\r" is dropped, anything else outside
 * printable ASCII becomes {@link UNKNOWN}).
 *
 * @example
 * encode("Hi\n"); // Uint8Array [41, 74, 0]
 */
export function encode(text: string): Uint8Array {
  const tokens = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 13) continue;
    if (code === 10) tokens[n++] = NEWLINE;
    else if (code === 9) tokens[n++] = 1;
    else if (code >= 32 && code <= 126) tokens[n++] = code - 31;
    else if (!isSecondHalf(text, i)) tokens[n++] = UNKNOWN;
  }
  return tokens.slice(0, n);
}

/**
 * Decodes tokens back to text.
 *
 * @example
 * decode(encode("Hi\n")); // "Hi\n"
 */
export function decode(tokens: ArrayLike<number>): string {
  let text = "";
  for (let i = 0; i < tokens.length; i++) text += tokenText(tokens[i] as number);
  return text;
}

/** The text of one token. */
export function tokenText(token: number): string {
  if (token === NEWLINE) return "\n";
  if (token > 0 && token < UNKNOWN) return String.fromCharCode(token + 31);
  return "?";
}

/**
 * How many tokens a text is, without building them: what usage and prices count.
 *
 * @example
 * countTokens("héllo"); // 5
 */
export function countTokens(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 13) continue;
    if (!isSecondHalf(text, i)) n++;
  }
  return n;
}

/** Whether text[i] is the second half of a surrogate pair: one character (one token) with the half before it. */
function isSecondHalf(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 0xdc00 || code > 0xdfff || i === 0) return false;
  const previous = text.charCodeAt(i - 1);
  return previous >= 0xd800 && previous <= 0xdbff;
}
