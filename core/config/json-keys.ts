// Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, while
// YAML refuses them; a spec means the same in both formats, so JSON duplicates are refused too.
import { issuePath } from './errors.js';

type Frame = { kind: 'object'; keys: Set<string>; key?: string } | { kind: 'array'; index: number };

/** "path: duplicate key (line L)" for every repeated key of `text`, which must be valid JSON. */
export function duplicateJsonKeys(text: string): string[] {
  const problems: string[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  const lineAt = (pos: number) => {
    let line = 1;
    for (let k = text.indexOf('\n'); k !== -1 && k < pos; k = text.indexOf('\n', k + 1)) line++;
    return line;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const path = stack.slice(0, -1).map((f) => (f.kind === 'object' ? f.key! : f.index));
          problems.push(`${issuePath([...path, key])}: duplicate key (line ${lineAt(i)}); each key may appear once`);
        }
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set() });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top) top.index++;
    }
  }
  return problems;
}
