/** `mobilenet summary`: the layer table and totals of a MobileNet configuration. */
import { initBackend } from '../backend/index.js';
import { renderSummary, summaryJson } from '../cost/summary.js';
import { OptionError } from '../errors.js';
import { parseCommandArgs } from './args.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, buildChosen, parseModelChoice } from './model-options.js';

export const describe = 'layer table (output shapes, params, mult-adds) and totals of a MobileNet';

const HELP = `usage: mobilenet summary --arch v1|v2|v3-small|v3-large [options] [--json|--markdown]
${MODEL_OPTIONS_HELP}
  --json                    one JSON object: arch, alpha, inputShape, classes, totals, layers[]
  --markdown                markdown table`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...MODEL_OPTIONS, json: { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.json && values.markdown) throw new OptionError('--json and --markdown cannot be combined');
  const choice = parseModelChoice(values);
  await initBackend('cpu'); // building only: the cpu backend is enough, and quiet
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
