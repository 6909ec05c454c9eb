import { describe, expect, it } from 'vitest';
import { alignTabs } from './tab-columns.js';

describe('alignTabs', () => {
  it.each<[string, string[], string[]]>([
    ['one block: the widest key plus two', ['Name:\tweb', 'Namespace:\tdefault'], ['Name:       web', 'Namespace:  default']],
    ['a line without a tab ends the block', ['Name:\tweb', 'Containers:', '  web:', '    Image:\tbusybox'], ['Name:  web', 'Containers:', '  web:', '    Image:  busybox']],
    ['indentation is part of the cell', ['IP:\t1.2.3.4', '  IP:\t1.2.3.4'], ['IP:    1.2.3.4', '  IP:  1.2.3.4']],
    ['an empty first cell continues the column (multi-line labels)', ['Labels:\ta=1', '\tb=2'], ['Labels:  a=1', '         b=2']],
    [
      'columns nest: a later column spans only the lines that have it',
      ['  Type\tReason\tMessage', '  Normal\tStarted\tok', 'Events:\t<none>'],
      ['  Type    Reason   Message', '  Normal  Started  ok', 'Events:   <none>'],
    ],
    ['no trailing spaces', ['Medium:\t', 'SizeLimit:\t<unset>'], ['Medium:', 'SizeLimit:  <unset>']],
    ['text after the last tab is not a column', ['a\tshort', 'bb\ta much longer tail'], ['a   short', 'bb  a much longer tail']],
  ])('%s', (_what, lines, expected) => {
    expect(alignTabs(lines)).toEqual(expected);
  });
});
