import { buildResult, toPixels } from '../../inference-container/src/detect';
import { normalizeBox, parseModelOutput, stripCodeFence } from '../../inference-container/src/parse-output';

describe('parseModelOutput', () => {
  it('reads the trained format', () => {
    const raw = '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}, {"bbox": [120, 300, 880, 340]}], "count": 2}';
    expect(parseModelOutput(raw)).toEqual([
      [100, 200, 500, 250],
      [120, 300, 880, 340],
    ]);
  });

  it('reads a ```json fenced answer with prose around it', () => {
    const raw =
      'Here are the fields:\n```json\n{"applicant_fields": [{"bbox": [10, 20, 30, 40]}], "count": 1}\n```\nDone.';
    expect(parseModelOutput(raw)).toEqual([[10, 20, 30, 40]]);
  });

  it("reads the base model's bbox_2d lists", () => {
    const raw =
      '```json\n[\n  {"bbox_2d": [56, 102, 480, 140], "label": "氏名"},\n  {"bbox_2d": [56, 160, 900, 198], "label": "住所"}\n]\n```';
    expect(parseModelOutput(raw)).toEqual([
      [56, 102, 480, 140],
      [56, 160, 900, 198],
    ]);
  });

  it('reads keys such as bbox_0100 and bbox_0_to_1000', () => {
    expect(parseModelOutput('[{"bbox_0100": [1, 2, 3, 4]}, {"bbox_0_to_1000": [5, 6, 7, 8]}]')).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('reads a bare list of boxes, and a single bare box', () => {
    expect(parseModelOutput('[[10, 10, 20, 20], [30, 30, 40, 40]]')).toEqual([
      [10, 10, 20, 20],
      [30, 30, 40, 40],
    ]);
    expect(parseModelOutput('[10, 10, 20, 20]')).toEqual([[10, 10, 20, 20]]);
  });

  it('reads boxes nested under another key', () => {
    expect(parseModelOutput('{"fields": [{"name": "氏名", "bbox": [1, 1, 9, 9]}]}')).toEqual([[1, 1, 9, 9]]);
  });

  it('keeps every complete box of JSON cut off mid-box by the token limit', () => {
    const raw =
      '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}, {"bbox": [120, 300, 880, 340]}, {"bbox": [130, 4';
    expect(parseModelOutput(raw)).toEqual([
      [100, 200, 500, 250],
      [120, 300, 880, 340],
    ]);
  });

  it('keeps the complete boxes of an unclosed code fence', () => {
    expect(parseModelOutput('```json\n[{"bbox_2d": [1, 2, 3, 4]}, {"bbox_2d": [5, 6')).toEqual([[1, 2, 3, 4]]);
  });

  it('falls back to any [a, b, c, d] in free text', () => {
    expect(parseModelOutput('The name field is at [100, 100, 400, 150] and the address at [100,200,800,260].')).toEqual(
      [
        [100, 100, 400, 150],
        [100, 200, 800, 260],
      ],
    );
  });

  it('returns nothing for garbage, empty lists and non-box JSON', () => {
    expect(parseModelOutput('I cannot see any form fields in this image.')).toEqual([]);
    expect(parseModelOutput('')).toEqual([]);
    expect(parseModelOutput('{"applicant_fields": [], "count": 0}')).toEqual([]);
    expect(parseModelOutput('{"count": 3, "note": [1, 2, 3]}')).toEqual([]);
    expect(parseModelOutput('{"applicant_fields": [{"bbox": [1, 2, 3]}, {"bbox": "a,b,c,d"}]}')).toEqual([]);
  });

  it('clamps to 0–1000, orders reversed corners, rounds to integers and drops empty boxes', () => {
    const raw = JSON.stringify({
      applicant_fields: [
        { bbox: [900, 950, 1200, 1100] }, // over 1000
        { bbox: [500, 400, 100, 200] }, // reversed
        { bbox: [-20, 10.4, 30.6, 19.5] }, // negative and fractional
        { bbox: [300, 300, 300, 400] }, // no width
        { bbox: [1100, 10, 1200, 20] }, // collapses at 1000
      ],
      count: 5,
    });
    expect(parseModelOutput(raw)).toEqual([
      [900, 950, 1000, 1000],
      [100, 200, 500, 400],
      [0, 10, 31, 20],
    ]);
  });
});

describe('helpers', () => {
  it('strips only the fence', () => {
    expect(stripCodeFence('```\n[1]\n```')).toBe('[1]\n');
    expect(stripCodeFence('no fence')).toBe('no fence');
  });

  it('normalizes one box', () => {
    expect(normalizeBox([10, 20, 5, 1])).toEqual([5, 1, 10, 20]);
    expect(normalizeBox([10, 10, 10, 20])).toBeNull();
  });

  it('computes bbox_pixel as floor(n × size / 1000)', () => {
    expect(toPixels([100, 200, 500, 250], 2480, 3508)).toEqual([248, 701, 1240, 877]);
    expect(toPixels([333, 333, 999, 1000], 7, 3)).toEqual([2, 0, 6, 3]);
  });

  it('builds the contract example exactly', () => {
    const raw = '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}], "count": 1}';
    expect(buildResult(raw, 2480, 3508, 'pdfme-form-field-detector-lora')).toEqual({
      bboxes: [{ bbox_normalized: [100, 200, 500, 250], bbox_pixel: [248, 701, 1240, 877] }],
      count: 1,
      raw_output: raw,
      image_size: { width: 2480, height: 3508 },
      model: 'pdfme-form-field-detector-lora',
    });
  });

  it('answers count 0 and keeps the text when the model says nothing usable', () => {
    expect(buildResult('申し訳ありません', 10, 10, 'Qwen/Qwen3-VL-8B-Instruct')).toEqual({
      bboxes: [],
      count: 0,
      raw_output: '申し訳ありません',
      image_size: { width: 10, height: 10 },
      model: 'Qwen/Qwen3-VL-8B-Instruct',
    });
  });
});
