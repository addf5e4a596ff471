/**
 * The keys that appear more than once in the same object of a JSON text, as `path.key` (the path
 * of the object, `$` for the top level). `JSON.parse` silently keeps the last of two equal keys,
 * so a log line's duplicates can only be seen in its raw text.
 *
 * @example
 *   repeatedJsonKeys('{"name":"a","x":{"k":1,"k":2},"name":"b"}'); // ['$.x.k', '$.name']
 */
export function repeatedJsonKeys(text: string): string[] {
  const repeated: string[] = [];
  // One entry per open object or array: an object's keys so far and where it sits.
  const open: { keys: Set<string> | undefined; path: string }[] = [];
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = open.at(-1);
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) repeated.push(`${top.path}.${key}`);
        top.keys.add(key);
        lastKey = key;
        expectKey = false;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      const parent = open.at(-1);
      const path = parent === undefined ? '$' : `${parent.path}.${parent.keys ? lastKey : '[]'}`;
      open.push({ keys: char === '{' ? new Set() : undefined, path });
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      open.pop();
      expectKey = false;
    } else if (char === ',') {
      expectKey = open.at(-1)?.keys !== undefined;
    }
  }
  return repeated;
}
