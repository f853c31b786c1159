/** Names of the files written per input: the file name, then its directory where names collide, then a count. */
import { uniqueStems } from '../../lib/client/cli/input-names';

describe('uniqueStems', () => {
  it('is the file name without its extension when names are unique', () => {
    expect([...uniqueStems(['scans/a.png', 'forms/b.pdf']).values()]).toEqual(['a', 'b']);
  });

  it("puts the directory's name in front where names collide, and counts where that is not enough", () => {
    const names = uniqueStems([
      'forms/kaigo/source.pdf',
      'forms/besshi11/source.pdf',
      'scans/a.png',
      'old/x/a.jpg',
      'new/x/a.webp',
    ]);
    expect([...names.values()]).toEqual(['kaigo-source', 'besshi11-source', 'scans-a', 'x-a', 'x-a-2']);
  });
});
