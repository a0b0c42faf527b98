// Spec text → plain data, within the limits of spec-limits.ts: the file's size is checked before
// it is read, the values in YAML text are counted by the lexer before the (much slower) parse,
// aliases are bounded, and a key written twice is refused in JSON as in YAML, naming its path.
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { ConfigError, issuePath } from './errors.js';
import { duplicateJsonKeys } from './json-keys.js';
import { formatBytes } from './quantities.js';
import { MAX_ALIAS_COUNT, MAX_AXIS_VALUES, MAX_SPEC_BYTES, MAX_SPEC_DEPTH, MAX_SPEC_NODES } from './spec-limits.js';

/** `bytes` undefined: a stream that went over the limit before its end. */
const tooLarge = (bytes?: number) => {
  // exact bytes when the rounded sizes would read the same ("1.0 MiB is more than the 1.0 MiB")
  const exact = bytes !== undefined && formatBytes(bytes) === formatBytes(MAX_SPEC_BYTES);
  const size = bytes === undefined ? 'more' : `${exact ? `${bytes} bytes` : formatBytes(bytes)} is more`;
  const limit = exact ? `${MAX_SPEC_BYTES} bytes` : formatBytes(MAX_SPEC_BYTES);
  return `(file): ${size} than the ${limit} a spec may have; use generators such as {logspace: [from, to, num]} for long axes`;
};

const CONTROL_TOKENS = new Set([YAML.CST.DOCUMENT, YAML.CST.SCALAR, YAML.CST.FLOW_END]);
const NODE_TOKENS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'alias', 'flow-seq-start', 'flow-map-start']);

/**
 * Over-limit YAML found by lexing alone, several times faster than parsing: too many values, a
 * `[...]` list longer than an axis may be, or `[`/`{` nested too deep (the parser recurses on them).
 */
function lexicalProblem(text: string): string | undefined {
  let nodes = 0;
  // items so far of each open flow collection (-1: a mapping, not counted)
  const open: number[] = [];
  // indentations of the open block collections, and `- ` items opened on the current line
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  let inlineItems = 0;
  let offset = 0;
  const line = () => text.slice(0, offset).split('\n').length;
  for (const token of new YAML.Lexer().lex(text)) {
    const type = YAML.CST.tokenType(token);
    // the lexer's own markers (document, scalar, flow-error) are not source text
    if (!CONTROL_TOKENS.has(token)) offset += token.length;
    if (!type) continue;
    if (type === 'newline') {
      lineStart = true;
      indent = 0;
      inlineItems = 0;
      continue;
    }
    if (lineStart && open.length === 0) {
      // a line's indentation counts once its content starts: comment-only lines do not nest
      if (type === 'space') {
        indent = token.length - token.trimStart().length;
        continue;
      }
      if (type === 'comment') continue;
      lineStart = false;
      while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
    }
    if (type === 'seq-item-ind' || type === 'explicit-key-ind') inlineItems++;
    if (indents.length + inlineItems + open.length > MAX_SPEC_DEPTH + 1) {
      return `line ${line()}: lists or mappings nested more than ${MAX_SPEC_DEPTH} levels deep (the limit for a spec)`;
    }
    if (NODE_TOKENS.has(type) && ++nodes > MAX_SPEC_NODES) {
      return `(top level): more than ${MAX_SPEC_NODES} values (the limit for a spec); use generators such as {logspace: [from, to, num]} for long axes`;
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      open.push(type === 'flow-seq-start' ? 1 : -1);
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') open.pop();
    else if (type === 'comma' && open.length && open[open.length - 1] > 0 && ++open[open.length - 1] > MAX_AXIS_VALUES) {
      return `line ${line()}: a list of more than ${MAX_AXIS_VALUES} values (the most one grid axis may have)`;
    }
  }
  return undefined;
}

/**
 * Paths of keys written twice in a parsed YAML document. The yaml package's own uniqueKeys check
 * compares each key with every earlier one (a mapping of 9·10⁴ keys took minutes); a Set does not.
 */
function duplicateYamlKeys(doc: YAML.Document, lines: YAML.LineCounter): string[] {
  const problems: string[] = [];
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (YAML.isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(key)) {
          const at = YAML.isNode(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
          problems.push(`${issuePath([...path, key])}: duplicate key${at ? ` (line ${at.line}, column ${at.col})` : ''}; each key may appear once`);
        }
        seen.add(key);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (YAML.isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
  }
  return problems;
}

function parseJson(text: string, source: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw new ConfigError([`(top level): not valid JSON: ${err.message}`], source);
    throw err;
  }
  const dups = duplicateJsonKeys(text);
  if (dups.length) throw new ConfigError(dups, source);
  return data;
}

function parseYaml(text: string, source: string): unknown {
  const lexical = lexicalProblem(text);
  if (lexical) throw new ConfigError([lexical], source);
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: false, prettyErrors: true, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '(top level)';
    const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError([`${where}: not valid YAML: ${first}`], source);
  }
  const dups = duplicateYamlKeys(doc, lines);
  if (dups.length) throw new ConfigError(dups, source);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // the yaml package signals an alias expansion over maxAliasCount with a ReferenceError
    if (e instanceof ReferenceError) throw new ConfigError([`(top level): YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (the limit for a spec)`], source);
    throw e;
  }
}

/** YAML or JSON text → plain data. JSON is valid YAML; a .json file gets JSON's error messages. */
export function parseSpecText(text: string, source = 'spec'): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw new ConfigError([tooLarge(bytes)], source);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return extname(source).toLowerCase() === '.json' ? parseJson(body, source) : parseYaml(body, source);
}

/** Reads a spec file's text, never more than MAX_SPEC_BYTES; an unreadable or oversized file is a ConfigError naming it. */
export async function readSpecText(file: string): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
    const { size } = await fh.stat();
    if (size > MAX_SPEC_BYTES) throw new ConfigError([tooLarge(size)], file);
    // read in chunks up to one byte over the limit: the size of a pipe or a growing file is not known up front
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_SPEC_BYTES) throw new ConfigError([tooLarge()], file);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([`(file): cannot read spec (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`], file);
  } finally {
    await fh?.close();
  }
}
