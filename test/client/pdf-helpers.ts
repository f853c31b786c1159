/** Test PDFs made with pdf-lib: pages with a MediaBox, an optional CropBox and /Rotate, and magenta rectangles. */
import { PDFDocument, degrees, rgb } from 'pdf-lib';

export interface TestRect {
  /** User space, points. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TestPage {
  /** [x, y, width, height] in points. */
  mediaBox: [number, number, number, number];
  cropBox?: [number, number, number, number];
  rotate?: 0 | 90 | 180 | 270;
  rects: TestRect[];
}

export const MAGENTA = '#ff00ff';

export async function makePdf(pages: TestPage[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (const spec of pages) {
    const [mx, my, mw, mh] = spec.mediaBox;
    const page = doc.addPage([mw, mh]);
    page.setMediaBox(mx, my, mw, mh);
    if (spec.cropBox) page.setCropBox(...spec.cropBox);
    if (spec.rotate) page.setRotation(degrees(spec.rotate));
    // A thin frame around the MediaBox, so a renderer that ignored the CropBox would show other content.
    page.drawRectangle({
      x: mx + 2,
      y: my + 2,
      width: mw - 4,
      height: mh - 4,
      borderColor: rgb(0, 0, 0),
      borderWidth: 1,
    });
    for (const rect of spec.rects) page.drawRectangle({ ...rect, color: rgb(1, 0, 1) });
  }
  return doc.save();
}

/** A document with no pages at all. */
export async function makeEmptyPdf(): Promise<Uint8Array> {
  return (await PDFDocument.create()).save({ addDefaultPage: false });
}

/**
 * A PDF with a Standard security handler whose password nobody knows: PDFium asks for a password (the /U entry
 * matches no key derived from the empty password).
 */
export function makeEncryptedPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${'11'.repeat(32)}> /U <${'22'.repeat(32)}> /P -4 >>`,
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(text.length);
    text += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text +=
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${'ab'.repeat(16)}> <${'ab'.repeat(16)}>] >>\n` +
    `startxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}
