// JSON Lines files that survive being killed at any moment: every line is one complete write
// (so no other line is ever interleaved into it), readers skip a last line without its newline,
// and rewrites go through a temporary file renamed over the old one.
import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Appends one JSON value per line to a file, each line with a single write. */
export class JsonlAppender {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(value: unknown): void {
    this.appendRaw(JSON.stringify(value));
  }

  /** `line` must be one line of JSON without its newline. */
  appendRaw(line: string): void {
    if (this.fd === null) throw new Error(`${this.path}: already closed`);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let off = 0;
    // write(2) on a regular file writes everything unless the disk is full; the loop covers that
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  /** Flushes to stable storage. */
  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

export interface JsonlLine {
  /** 1-based line number */
  line: number;
  raw: string;
  /** undefined when the line is not valid JSON */
  value: unknown;
}

/**
 * The complete lines of a JSONL file, streamed (memory stays flat however long the file).
 * A missing file has no lines. `torn` is called for a last line that has no newline, which a
 * writer killed mid-write would leave (with one write per line this does not happen on Linux,
 * but a copy, a full disk or another tool might).
 */
export async function* readJsonl(path: string, torn?: (raw: string) => void): AsyncGenerator<JsonlLine> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  let n = 0;
  try {
    for await (const chunk of stream) {
      const parts = (rest + (chunk as string)).split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) {
        n++;
        if (raw.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          value = undefined;
        }
        yield { line: n, raw, value };
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  } finally {
    stream.destroy();
  }
  if (rest.length && torn) torn(rest);
}

/**
 * A rewrite that could not be completed (disk full, file-size limit, ...): the temporary file
 * is removed and the original left as it was.
 */
export class RewriteError extends Error {
  constructor(readonly path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`could not rewrite ${path} (${why}); it is unchanged and nothing was lost`, { cause });
  }
}

/** Writes `tmp` with `fill`, then renames it over `path`; on any failure `tmp` is removed. */
async function replaceVia(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await fill(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new RewriteError(path, err);
  }
  syncDir(dirname(path));
}

/** Replaces `path` with the lines produced by `lines`, atomically (temp file, fsync, rename). */
export async function rewriteJsonl(path: string, lines: AsyncIterable<string> | Iterable<string>): Promise<void> {
  await replaceVia(path, async (tmp) => {
    const out = new JsonlAppender(tmp);
    try {
      for await (const line of lines) out.appendRaw(line);
    } finally {
      out.close();
    }
  });
}

/** Writes a whole file atomically: readers see the old or the new content, never half. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await replaceVia(path, async (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Makes a rename in `dir` durable. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  }
}
