/** The 1000 ImageNet class names in Keras's index order, shipped as data (see imagenet-classes.json for the source). */
import data from './imagenet-classes.json' with { type: 'json' };

/** Short names ('tabby', 'tench'), unique, index = Keras/ImageNet class id. */
export const IMAGENET_LABELS: readonly string[] = Object.freeze([...data.names]);

/** The source's full strings ('tabby, tabby cat'), same order. */
export const IMAGENET_FULL_NAMES: readonly string[] = Object.freeze([...data.full]);
