/** `mobilenet summary`: the layer table and totals of a MobileNet configuration. */
import * as path from 'node:path';
import { initBackend } from '../backend/index.js';
import { renderSummary, summaryJson } from '../cost/summary.js';
import { OptionError } from '../errors.js';
import { parseCommandArgs } from '../args.js';
import { unknownNotice } from '../run/model-file.js';
import { int8Summary } from '../run/int8-summary.js';
import { PATH_HELP, fileIdentity, modelFromPath } from './model-path.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, buildChosen, parseModelChoice } from './model-options.js';

export const describe = 'layer table (output shapes, params, mult-adds) and totals of a MobileNet';

const HELP = `usage: mobilenet summary --arch v1|v2|v3-small|v3-large [options] [--json|--markdown]
       mobilenet summary PATH [--json|--markdown]
${PATH_HELP}
${MODEL_OPTIONS_HELP}
  --json                    one JSON object: arch, alpha, inputShape, classes, totals, layers[]
  --markdown                markdown table`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...MODEL_OPTIONS, json: { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.json && values.markdown) throw new OptionError('--json and --markdown cannot be combined');
  await initBackend('cpu');
  const file = await modelFromPath(positionals, values);
  if (file) {
    const id = fileIdentity(file);
    const out = file.model.outputs[0].shape;
    const s = summaryJson(file.model, { arch: id.arch, alpha: id.alpha, classes: out.length === 2 ? (out[1] as number) : null });
    const notice = unknownNotice(file.unknownLayers);
    const int8 = file.meta?.quantization ? await int8Summary(path.dirname(file.file)) : null;
    if (values.json) {
      console.log(JSON.stringify({
        ...s, source: { file: file.file, topology: file.topology, weightDtypes: file.weightDtypes, weightBytes: file.weightBytes, unknownLayers: file.unknownLayers },
        ...(int8 ? { int8 } : {}), notice,
      }));
    } else {
      console.log(renderSummary(s, values.markdown ? 'markdown' : 'text', id.name));
      if (int8) console.log(int8.line);
      if (notice) console.log(notice);
    }
    return 0;
  }
  const choice = parseModelChoice(values); // building only: the cpu backend is enough, and quiet
  const model = buildChosen(choice);
  const includeTop = choice.options.includeTop !== false;
  const s = summaryJson(model, {
    arch: choice.arch, alpha: choice.options.alpha ?? 1,
    classes: includeTop ? (model.outputs[0].shape[1] as number) : null,
  });
  if (values.json) console.log(JSON.stringify(s));
  else console.log(renderSummary(s, values.markdown ? 'markdown' : 'text', model.name));
  return 0;
}
