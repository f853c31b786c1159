/**
 * An image as a one-page PDF, so an image input gets a pdfme template and a fillable PDF like a PDF does: the page
 * shows the image (as displayed: EXIF orientation applied) edge to edge, its long side `IMAGE_PAGE_LONG_SIDE_MM`
 * (297 mm, A4's long side) and its short side in the image's aspect ratio — an A4 scan comes back A4. The image is
 * the page rather than a blank page of its shape so that pdfme's Designer shows the form under the fields.
 */
import { PDFDocument } from 'pdf-lib';
import { displayedSize, loadImage, type ImageInput } from '../image-input';
import { MM_PER_POINT } from './page-geometry';

export const IMAGE_PAGE_LONG_SIDE_MM = 297;

export async function imageToPdf(input: ImageInput): Promise<Uint8Array> {
  const image = await loadImage(input);
  const { width, height } = displayedSize(image);
  const rotated = image.orientation !== undefined && image.orientation > 1;
  const doc = await PDFDocument.create();
  let embedded;
  if (image.format === 'jpeg' && !rotated) {
    embedded = await doc.embedJpg(image.bytes);
  } else if (image.format === 'png' && !rotated) {
    embedded = await doc.embedPng(image.bytes);
  } else {
    // pdf-lib embeds PNG and JPEG as stored: turn EXIF-rotated images upright, and WebP into PNG, with sharp.
    const { default: sharp } = await import('sharp');
    const upright = sharp(image.bytes, { limitInputPixels: false }).autoOrient();
    embedded =
      image.format === 'jpeg'
        ? await doc.embedJpg(await upright.jpeg({ quality: 92 }).toBuffer())
        : await doc.embedPng(await upright.png().toBuffer());
  }
  const scale = IMAGE_PAGE_LONG_SIDE_MM / MM_PER_POINT / Math.max(width, height);
  const page = doc.addPage([width * scale, height * scale]);
  page.drawImage(embedded, { x: 0, y: 0, width: width * scale, height: height * scale });
  return doc.save();
}
