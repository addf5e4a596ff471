import { describe, expect, it } from '@jest/globals';
import { repeatedJsonKeys } from '../src/index.ts';

describe('repeatedJsonKeys', () => {
  it('finds keys repeated in the same object, at any depth', () => {
    expect(repeatedJsonKeys('{"name":"a","x":{"k":1,"k":2},"name":"b"}')).toEqual([
      '$.x.k',
      '$.name',
    ]);
    expect(repeatedJsonKeys('{"a":[{"k":1,"k":1}],"b":{"c":{"d":0,"d":0}}}')).toEqual([
      '$.a.[].k',
      '$.b.c.d',
    ]);
  });

  it('does not count equal keys of different objects, string values or escaped quotes', () => {
    expect(
      repeatedJsonKeys('{"k":{"k":"k"},"j":[{"k":1},{"k":2}],"s":"\\"k\\":1,\\"k\\":2"}'),
    ).toEqual([]);
    expect(repeatedJsonKeys('{"a\\"b":1,"a\\"b":2}')).toEqual(['$.a"b']);
  });
});
