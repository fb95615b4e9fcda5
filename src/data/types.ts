/** Shared data types: an image split and a named dataset. */

/** One split of a dataset: images as uint8 NHWC plus integer labels. */
export interface Split {
  /** [N, H, W, C] uint8, 0..255 */
  images: Uint8Array;
  /** [N] class ids */
  labels: Uint8Array;
  count: number;
  /** [H, W, C] of one image */
  shape: [number, number, number];
}

/** A dataset ready for training: train/test splits plus class names and normalisation statistics. */
export interface Dataset {
  name: string;
  /** class names; index = class id */
  labels: string[];
  train: Split;
  test: Split;
  /** per-channel mean on the 0..1 scale, from the train split */
  mean: number[];
  /** per-channel standard deviation on the 0..1 scale, from the train split */
  std: number[];
}

/** Options for loadDataset. */
export interface LoadOptions {
  /** [H, W, C] the model expects; images are resized / channel-converted to it. */
  inputShape?: [number, number, number];
  /** seed for the held-out test split of folder datasets without train/ and test/ */
  seed?: number;
  /** progress messages (one line each) */
  onProgress?: (msg: string) => void;
  /** keep only the first N training images of each class (before any resizing) */
  perClass?: number;
  /**
   * keep only the first N training (test) images, after perClass and before any resizing, so a large inputShape
   * resizes only the images kept (issue 17). IDX datasets: without a resize the statistics still come from the
   * whole (perClass) training split, as before; with one, from the images kept.
   */
  limitTrain?: number;
  limitTest?: number;
}
