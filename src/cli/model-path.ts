/** `summary PATH` / `cost PATH`: a run directory or any TF.js layers model.json instead of --arch. */
import { OptionError } from '../errors.js';
import { ModelFile, readModelFile } from '../run/model-file.js';
import { MODEL_OPTIONS } from './model-options.js';

export const PATH_HELP = `  PATH                      a run directory, a model directory or a TF.js layers model.json (Keras 2 or 3
                            style topology, quantized or not) instead of --arch and the options below`;

/** The model file named by the single positional, or null when the command builds from --arch. */
export async function modelFromPath(positionals: string[], values: Record<string, unknown>): Promise<ModelFile | null> {
  if (positionals.length === 0) return null;
  if (positionals.length > 1) throw new OptionError(`expected one model PATH, got ${positionals.length}`);
  const clash = Object.keys(MODEL_OPTIONS).find((k) => values[k] !== undefined);
  if (clash) throw new OptionError(`--${clash} describes a model to build; it cannot be combined with PATH`);
  return readModelFile(positionals[0]);
}

/** Name, arch and alpha to show for a model read from a file. */
export function fileIdentity(f: ModelFile): { arch: string; alpha: number | null; name: string } {
  return {
    arch: f.meta?.arch ?? f.model.name,
    alpha: f.meta ? (f.meta.buildOptions.alpha ?? 1) : null,
    name: `${f.model.name} (${f.file}; ${f.topology === 'keras3' ? 'Keras 3' : 'Keras 2'} topology, weights ${f.weightDtypes.join('+')})`,
  };
}
