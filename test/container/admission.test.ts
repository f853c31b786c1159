/**
 * The admission gate's idle(): what the SIGTERM drain waits for, instead of polling the counters. It resolves when
 * the last detection in flight or in the queue leaves, and at once when there is none.
 */
import { Admission } from '../../inference-container/src/admission';

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('Admission.idle', () => {
  test('resolves at once when nothing is in flight', async () => {
    expect(await settled(new Admission(2, 2).idle())).toBe(true);
  });

  test('waits for every slot and every queued request, then resolves once the last one leaves', async () => {
    const admission = new Admission(1, 1);
    const controller = new AbortController();
    const first = await admission.acquire(controller.signal);
    const queued = admission.acquire(controller.signal);
    const idle = admission.idle();
    expect(await settled(idle)).toBe(false);
    first(); // the slot passes to the queued request
    const second = await queued;
    expect(await settled(idle)).toBe(false);
    second();
    expect(await settled(idle)).toBe(true);
  });

  test('a queued request that gives up counts as gone', async () => {
    const admission = new Admission(1, 1);
    const release = await admission.acquire(new AbortController().signal);
    const controller = new AbortController();
    const queued = admission.acquire(controller.signal).catch(() => 'aborted');
    const idle = admission.idle();
    controller.abort(new Error('client left'));
    expect(await queued).toBe('aborted');
    expect(await settled(idle)).toBe(false);
    release();
    expect(await settled(idle)).toBe(true);
  });
});
