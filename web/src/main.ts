/** The page: load the run's model into TF.js, classify the drawing live, show the model view. */
import * as tf from '@tensorflow/tfjs';
import { makeBars } from './bars.js';
import { Result, classifyApi, classifyLocal, inputPixels, pickBackend } from './classify.js';
import { makePad } from './draw.js';
import { renderModelView } from './model-view.js';
import type { ModelInfo } from '../../src/api-types.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Shows the 28×28 model input, scaled up by CSS. */
function showPreview(canvas: HTMLCanvasElement, pixels: Float32Array, info: ModelInfo): void {
  const [h, w, c] = info.inputShape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = pixels[i * c];
    img.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function tabs(): void {
  const views = { draw: $('view-draw'), model: $('view-model') };
  for (const name of ['draw', 'model'] as const) {
    $(`tab-${name}`).addEventListener('click', () => {
      for (const other of ['draw', 'model'] as const) {
        views[other].hidden = other !== name;
        $(`tab-${other}`).classList.toggle('active', other === name);
      }
    });
  }
}

async function main(): Promise<void> {
  tabs();
  const backend = await pickBackend(new URLSearchParams(location.search).get('backend'));
  const info = (await (await fetch('/v1/model')).json()) as ModelInfo;
  renderModelView($('model-info'), info);
  const model = await tf.loadLayersModel('/model/model.json');
  const bars = makeBars($('bars'), info.labels);
  const useApi = $<HTMLInputElement>('use-api');
  let busy = false, again = false;

  const classify = async () => {
    if (busy) { again = true; return; }
    busy = true;
    document.body.dataset.busy = 'true';
    try {
      const gray = pad.gray();
      if (!gray.data.some((v) => v > 0)) { bars.reset(); return; }
      const pixels = inputPixels(info, gray);
      showPreview($('preview'), pixels, info);
      const r: Result = useApi.checked ? await classifyApi(info, pixels) : await classifyLocal(model, info, pixels);
      bars.show(r.probabilities);
      $('source').textContent = `classified ${r.where} in ${r.ms.toFixed(1)} ms`;
    } catch (e) {
      $('source').textContent = `error: ${(e as Error).message}`;
    } finally {
      busy = false;
      if (again) { again = false; void classify(); } else document.body.dataset.busy = 'false';
    }
  };
  const pad = makePad($('pad'), () => void classify());
  $('clear').addEventListener('click', () => { pad.clear(); bars.reset(); $('source').textContent = ''; });
  useApi.addEventListener('change', () => void classify());
  setStatus(`ready · ${info.arch} · TF.js ${backend}`);
  document.body.dataset.ready = 'true';
  document.body.dataset.backend = backend;
}

main().catch((e: Error) => {
  setStatus(`failed: ${e.message}`);
  document.body.dataset.ready = 'error';
});
