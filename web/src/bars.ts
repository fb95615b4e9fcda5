/** Live probability bars, one per class. Each row carries data-label and data-prob for tests and tools. */

export interface Bars {
  show(probabilities: number[]): void;
  reset(): void;
}

export function makeBars(root: HTMLElement, labels: string[]): Bars {
  root.replaceChildren();
  const rows = labels.map((label) => {
    const name = document.createElement('span');
    name.textContent = label;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.dataset.label = label;
    const fill = document.createElement('div');
    bar.append(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    root.append(name, bar, pct);
    return { bar, fill, pct };
  });
  let updates = 0;
  const show = (p: number[]) => {
    const best = p.indexOf(Math.max(...p));
    rows.forEach((r, i) => {
      r.fill.style.width = `${(p[i] * 100).toFixed(1)}%`;
      r.pct.textContent = `${(p[i] * 100).toFixed(1)}%`;
      r.bar.dataset.prob = String(p[i]);
      r.bar.classList.toggle('best', i === best);
    });
    root.dataset.updates = String(++updates);
    root.dataset.best = labels[best];
  };
  return {
    show,
    reset() {
      rows.forEach((r) => {
        r.fill.style.width = '0';
        r.pct.textContent = '';
        delete r.bar.dataset.prob;
        r.bar.classList.remove('best');
      });
      delete root.dataset.best;
    },
  };
}
