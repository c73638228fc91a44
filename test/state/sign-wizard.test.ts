// The sign dialog's state machine for a local image (typed location checked, errors kept in the
// dialog, back steps), and the push progress reaching the dialog at a bounded rate.
import { describe, expect, it } from 'vitest';
import type { LocalSignPlan, Services } from '../../src/state/services.js';
import { PROGRESS_INTERVAL_MS, runSignEffect } from '../../src/state/slices/sign-effects.js';
import { pushTotals, type PushView } from '../../src/state/wizards/push-view.js';
import { signReducer, signStart, type SignEvent, type SignState } from '../../src/state/wizards/sign.js';

const plan: LocalSignPlan = {
  gun: 'example.com/team/app',
  tag: 'v1',
  from: 'oci-archive:app.tar',
  root: { digest: `sha256:${'e'.repeat(64)}`, size: 500, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
  manifests: 1,
  blobs: { count: 2, bytes: 3000 },
  roles: ['targets/releases'],
  initialises: false,
};

function run(events: SignEvent[], from: SignState = signStart('example.com/team/app', 'v1')): SignState | null {
  let s: SignState | null = from;
  for (const e of events) s = s && signReducer(s, e);
  return s;
}

describe('sign wizard, local image', () => {
  it('checks the location as the CLI checks --from, and opens only a usable one', () => {
    const atLocation = run([{ type: 'choose-source', origin: 'oci-archive' }, { type: 'submit-tag', tag: 'v1' }]);
    expect(atLocation).toMatchObject({ step: 'location', origin: 'oci-archive', location: '' });
    expect(run([{ type: 'submit-location', location: '  ' }], atLocation!)).toMatchObject({ step: 'location', error: 'archive to push from' });
    expect(run([{ type: 'submit-location', location: ' app.tar ' }], atLocation!)).toMatchObject({ step: 'opening', location: 'app.tar' });
  });

  it('an image that cannot be opened goes back to the location with the reason; the review goes back there too', () => {
    const opening = run([{ type: 'choose-source', origin: 'oci' }, { type: 'submit-tag', tag: 'v1' }, { type: 'submit-location', location: 'build' }]);
    expect(run([{ type: 'error', message: 'oci:build: no index.json in build' }], opening!)).toMatchObject({
      step: 'location',
      location: 'build',
      error: 'oci:build: no index.json in build',
    });
    const review = run([{ type: 'planned', plan }], opening!);
    expect(review).toMatchObject({ step: 'local-review', plan });
    expect(run([{ type: 'back' }], review!)).toMatchObject({ step: 'location', location: 'build' });
  });

  it('Esc during the push asks to cancel it, not once the tag is pushed (the signing runs to the end); a failure shows the progress so far, and Esc returns to the review', () => {
    const pushing = run([{ type: 'choose-source', origin: 'oci' }, { type: 'submit-tag', tag: 'v1' }, { type: 'submit-location', location: 'b' }, { type: 'planned', plan }, { type: 'confirm' }]);
    expect(pushing).toMatchObject({ step: 'pushing', progress: { blobs: [], manifests: 0 } });
    expect(run([{ type: 'back' }], pushing!)).toMatchObject({ step: 'pushing', cancelling: true });
    const signing = run([{ type: 'progress', progress: { blobs: [], manifests: 1 } }], pushing!);
    expect(run([{ type: 'back' }], signing!)).toBe(signing);
    const progress: PushView = { blobs: [{ digest: 'sha256:1', size: 10, sent: 5, state: 'uploading' }], manifests: 0 };
    const failed = run([{ type: 'progress', progress }, { type: 'error', message: 'registry refused blob sha256:1' }], pushing!);
    expect(failed).toMatchObject({ step: 'push-failed', progress, error: 'registry refused blob sha256:1' });
    expect(run([{ type: 'back' }], failed!)).toMatchObject({ step: 'local-review', plan });
  });
});

describe('sign wizard: going back keeps what was typed', () => {
  it('Esc on the location keeps the path typed, for the tag step and back, and through the source when it stays the same', () => {
    const atLocation = run([{ type: 'choose-source', origin: 'oci' }, { type: 'submit-tag', tag: 'v1' }]);
    const atTag = run([{ type: 'back', draft: 'build/ap' }], atLocation!);
    expect(atTag).toMatchObject({ step: 'tag', tag: 'v1' });
    expect(run([{ type: 'submit-tag', tag: 'v2' }], atTag!)).toMatchObject({ step: 'location', tag: 'v2', location: 'build/ap' });
    const atSource = run([{ type: 'back', draft: 'v2-typed' }], atTag!);
    expect(atSource).toMatchObject({ step: 'source', tag: 'v2-typed', location: 'build/ap' });
    expect(run([{ type: 'choose-source', origin: 'oci' }, { type: 'submit-tag', tag: 'v2' }], atSource!)).toMatchObject({ step: 'location', location: 'build/ap' });
    // Another kind of source: a directory typed for a layout does not name an archive.
    expect(run([{ type: 'choose-source', origin: 'docker-archive' }, { type: 'submit-tag', tag: 'v2' }], atSource!)).toMatchObject({ step: 'location', location: '' });
  });
});

describe('push progress reaches the dialog at a bounded rate', () => {
  it(`hundreds of push events over a few hundred ms give a few snapshots (at most one per ${PROGRESS_INTERVAL_MS} ms), the last one complete`, async () => {
    const services = {
      async signLocal(_plan, _ports, onProgress) {
        for (let i = 0; i <= 300; i++) {
          for (const [n, size] of [1000, 2000].entries()) {
            onProgress({ kind: 'blob', digest: `sha256:${n}`, size, state: i === 300 ? 'pushed' : 'uploading', sent: Math.round((size * i) / 300) });
          }
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
        }
        onProgress({ kind: 'manifest', digest: plan.root.digest, size: plan.root.size, mediaType: plan.root.mediaType, target: 'v1' });
        return { gun: plan.gun, tag: plan.tag, digest: plan.root.digest, roles: ['targets/releases'], released: true };
      },
    } as Partial<Services> as Services;
    const sent: SignEvent[] = [];
    const started = Date.now();
    const state = run([{ type: 'choose-source', origin: 'oci' }, { type: 'submit-tag', tag: 'v1' }, { type: 'submit-location', location: 'b' }, { type: 'planned', plan }, { type: 'confirm' }])!;
    await runSignEffect(state, { services, send: (e) => sent.push(e), ports: () => ({}) as never, message: String, signed: () => undefined });
    const elapsed = Date.now() - started;
    const snapshots = sent.filter((e): e is Extract<SignEvent, { type: 'progress' }> => e.type === 'progress');
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(snapshots.length).toBeLessThanOrEqual(Math.ceil(elapsed / PROGRESS_INTERVAL_MS) + 1);
    expect(pushTotals(snapshots.at(-1)!.progress)).toEqual({ done: 2, count: 2, sent: 3000, bytes: 3000 });
    expect(snapshots.at(-1)!.progress.manifests).toBe(1);
    expect(sent.at(-1)).toMatchObject({ type: 'signed' });
  });
});
