/**
 * Finds where a JSON text first goes wrong. V8's JSON.parse messages only sometimes carry a
 * position (and their wording changes between Node versions), while clients need "position 17"
 * to fix a body. Runs only after JSON.parse failed, so speed does not matter; iterative with an
 * explicit stack so a deeply nested body cannot overflow the call stack.
 */
export interface JsonSyntaxProblem {
  /** Offset in characters (UTF-16 code units) from the start of the decoded text. */
  position: number;
  line: number;
  column: number;
  reason: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const describe = (c: string | undefined): string => (c === undefined ? 'end of input' : JSON.stringify(c));

function located(text: string, position: number, reason: string): JsonSyntaxProblem {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - (before.lastIndexOf('\n') + 1) + 1;
  return { position, line, column, reason };
}

export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  const stack: ('{' | '[')[] = [];
  let i = 0;
  let mode: 'value' | 'key' | 'after' = 'value';
  const fail = (reason: string) => located(text, i, reason);
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
  };

  const scanString = (): string | undefined => {
    i++; // opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) return 'unterminated string';
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return 'invalid \\u escape';
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          i += 2;
        } else {
          return `invalid escape ${describe(e)}`;
        }
      } else if (c < ' ') {
        return 'control character in string';
      } else {
        i++;
      }
    }
  };

  for (;;) {
    skipWhitespace();
    const c = text[i];
    if (mode === 'value') {
      if (c === '{' || c === '[') {
        i++;
        skipWhitespace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          mode = 'after';
        } else {
          stack.push(c);
          mode = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        const problem = scanString();
        if (problem) return fail(problem);
        mode = 'after';
      } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return fail('invalid number');
        i = NUMBER.lastIndex;
        mode = 'after';
      } else if (['true', 'false', 'null'].some((word) => text.startsWith(word, i))) {
        i += c === 'f' ? 5 : 4;
        mode = 'after';
      } else {
        return fail(`unexpected ${describe(c)}, expected a value`);
      }
    } else if (mode === 'key') {
      if (c !== '"') return fail(`unexpected ${describe(c)}, expected a property name in double quotes`);
      const problem = scanString();
      if (problem) return fail(problem);
      skipWhitespace();
      if (text[i] !== ':') return fail(`unexpected ${describe(text[i])}, expected ':'`);
      i++;
      mode = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return c === undefined ? undefined : fail(`unexpected ${describe(c)} after the JSON value`);
      }
      const close = top === '{' ? '}' : ']';
      if (c === ',') {
        i++;
        mode = top === '{' ? 'key' : 'value';
      } else if (c === close) {
        i++;
        stack.pop();
      } else {
        return fail(`unexpected ${describe(c)}, expected ',' or '${close}'`);
      }
    }
  }
}
