// Text from a spec or a trial, made safe to print on a terminal: control characters (escape
// sequences could recolour, move the cursor or retitle the window) and bidirectional overrides
// (which can make text read differently from what it is) are shown as visible escapes.
// Line breaks and tabs become spaces, since each printed field is one line.

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n' || c === '\t' || c === '\r') return ' ';
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
