/** The drawing pad: white ink on black, pointer events (mouse, touch and pen alike). */

export interface Pad {
  clear(): void;
  /** Grayscale values (0..255, ink bright) of the whole canvas, row-major. */
  gray(): { data: Float32Array; width: number; height: number };
}

/** Makes `canvas` drawable; `onChange` runs while drawing (once per frame) and when a stroke ends. */
export function makePad(canvas: HTMLCanvasElement, onChange: (final: boolean) => void, brush = 18): Pad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  let drawing = false;
  let last: { x: number; y: number } | null = null;
  let frame = 0;

  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const line = (p: { x: number; y: number }) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = brush;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo((last ?? p).x, (last ?? p).y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  };
  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; onChange(false); });
  };

  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = null;
    canvas.setPointerCapture(e.pointerId);
    line(at(e));
    schedule();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    line(at(e));
    schedule();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    last = null;
    onChange(true);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();

  return {
    clear,
    gray() {
      const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const g = new Float32Array(width * height); // [H, W]
      for (let i = 0; i < g.length; i++) g[i] = data[i * 4];
      return { data: g, width, height };
    },
  };
}
