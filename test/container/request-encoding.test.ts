import { randomBytes } from 'node:crypto';
import { chatRequestBody, chatRequestTemplate } from '../../inference-container/src/detect';
import { decodeBase64Image, exifOrientation } from '../../inference-container/src/image';
import { SYSTEM_PROMPT, USER_PROMPT } from '../../inference-container/src/prompt';

describe('base64 intake', () => {
  const bytes = randomBytes(3000 + 2); // 3002 bytes: padded with '=='
  const standard = bytes.toString('base64');

  test('standard padded base64 decodes to the same bytes and is passed through untouched', () => {
    const decoded = decodeBase64Image(standard, 'inputs');
    expect(decoded.bytes.equals(bytes)).toBe(true);
    expect(decoded.base64).toBe(standard);
  });

  test.each<[string, string]>([
    ['line breaks', standard.replace(/(.{76})/g, '$1\n')],
    ['CRLF and spaces', standard.replace(/(.{64})/g, '$1\r\n ')],
    ['URL-safe alphabet', bytes.toString('base64url')],
    ['no padding', standard.replace(/=+$/, '')],
    ['a data: prefix', `data:image/png;base64,${standard}`],
  ])('%s still decode to the same bytes, as standard base64', (_what, text) => {
    const decoded = decodeBase64Image(text, 'inputs');
    expect(decoded.bytes.equals(bytes)).toBe(true);
    expect(decoded.base64).toBe(standard);
  });

  test.each<[string, string, RegExp]>([
    [
      'a character outside the alphabet',
      `${standard.slice(0, 100)}!${standard.slice(101)}`,
      /character "!" at position 100/,
    ],
    ['padding in the middle', `${standard.slice(0, 8)}=${standard.slice(9)}`, /not valid base64/],
    ['a lone trailing character', `${standard.replace(/=+$/, '')}A`.slice(0, 4 * 1000 + 1), /not valid base64/],
    ['nothing at all', '   \n', /inputs is empty/],
  ])('%s is refused with a message naming the field', (_what, text, message) => {
    expect(() => decodeBase64Image(text, 'inputs')).toThrow(message);
  });
});

describe('the chat request sent to vLLM', () => {
  test('the pre-serialized template around the image URL is exactly what JSON.stringify would send', () => {
    const base64 = randomBytes(999).toString('base64');
    const dataUri = `data:image/png;base64,${base64}`;
    const template = chatRequestTemplate('pdfme-form-field-detector-lora', 2048);
    const spliced = chatRequestBody(template, { mimeType: 'image/png', base64, transformed: false }).toString('utf8');
    const expected = JSON.stringify({
      model: 'pdfme-form-field-detector-lora',
      temperature: 0,
      max_tokens: 2048,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: dataUri } },
            { type: 'text', text: USER_PROMPT },
          ],
        },
      ],
    });
    expect(spliced).toBe(expected);
    // The Japanese prompt survives the UTF-8 round trip.
    expect(JSON.parse(spliced).messages[0].content).toBe(SYSTEM_PROMPT);
  });
});

describe('EXIF orientation of PNG and WebP', () => {
  test('reads the tag in both byte orders, and never throws on a malformed block', () => {
    const tiff = (little: boolean) => {
      const b = Buffer.alloc(26);
      b.write(little ? 'II' : 'MM', 0, 'latin1');
      const u16 = (v: number, at: number) => (little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
      const u32 = (v: number, at: number) => (little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
      u16(42, 2);
      u32(8, 4);
      u16(1, 8); // one entry
      u16(0x0112, 10);
      u16(3, 12); // SHORT
      u32(1, 14);
      u16(6, 18);
      return b;
    };
    expect(exifOrientation(tiff(true))).toBe(6);
    expect(exifOrientation(tiff(false))).toBe(6);
    expect(exifOrientation(Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff(true)]))).toBe(6);
    for (const bad of [Buffer.alloc(0), Buffer.from('II*\0\xff\xff\xff\xff', 'latin1'), tiff(true).subarray(0, 15)]) {
      expect(exifOrientation(bad)).toBeUndefined();
    }
  });
});
