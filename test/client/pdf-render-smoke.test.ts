import { openPdfForRendering, loadPdf, userSpaceToNormalized } from '../../lib/client';
import { findColouredBoxes } from '../stand-ins/find-boxes';
import { makePdf, makeEncryptedPdf, makeEmptyPdf } from './pdf-helpers';

it('smoke', async () => {
  const rect = { x: 150, y: 600, width: 100, height: 50 };
  for (const rotate of [0, 90, 180, 270] as const) {
    const pdf = await makePdf([{ mediaBox: [-20, 30, 600, 800], cropBox: [100, 100, 400, 600], rotate, rects: [rect] }]);
    const doc = await openPdfForRendering(pdf, 'x.pdf');
    const page = await doc.render(0, 1024);
    const found = await findColouredBoxes(page.png);
    const { pages } = await loadPdf(pdf, 'x');
    console.log(rotate, doc.pages, page.width, page.height, found, userSpaceToNormalized(rect, pages[0]).map(Math.round));
    await doc.close();
  }
  for (const [name, bytes] of [['enc', makeEncryptedPdf()], ['empty', await makeEmptyPdf()], ['trunc', (await makePdf([{ mediaBox: [0,0,600,800], rects: [rect] }])).slice(0, 500)]] as const) {
    await openPdfForRendering(bytes, name).then((d) => { console.log(name, 'opened', d.pages); return d.close(); }, (e) => console.log(name, e.code, e.message));
    await loadPdf(bytes, name).then((d) => console.log(name, 'pdf-lib ok', d.pages.length), (e) => console.log(name, 'pdf-lib', e.code, e.message));
  }
});
