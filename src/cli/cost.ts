/** `mobilenet cost`: separable-vs-standard comparison, breakdown by layer type, the papers' tables. */
import { initBackend } from '../backend/index.js';
import { costReport, renderCost } from '../cost/report.js';
import { OptionError } from '../errors.js';
import { parseCommandArgs } from '../args.js';
import { unknownNotice } from '../run/model-file.js';
import { PATH_HELP, fileIdentity, modelFromPath } from './model-path.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, buildChosen, parseModelChoice } from './model-options.js';

export const describe = 'standard vs separable cost, breakdown by layer type, the papers\' multiplier tables';

const HELP = `usage: mobilenet cost --arch v1|v2|v3-small|v3-large [options] [--json|--markdown] [--no-paper]
       mobilenet cost PATH [--json|--markdown] [--no-paper]
${PATH_HELP}
${MODEL_OPTIONS_HELP}
  --json                    one JSON object with separable, breakdown and paperTables
  --markdown                markdown tables
  --no-paper                skip the papers' multiplier tables (they build 9 models at 224x224x3, 10 for V3)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...MODEL_OPTIONS, json: { type: 'boolean' }, markdown: { type: 'boolean' }, 'no-paper': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
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
    const report = costReport(file.model, { paperTables: values['no-paper'] !== true });
    const notice = unknownNotice(file.unknownLayers);
    if (values.json) console.log(JSON.stringify({ arch: id.arch, alpha: id.alpha, source: file.file, ...report, unknownLayers: file.unknownLayers, notice }));
    else {
      console.log(renderCost(report, values.markdown ? 'markdown' : 'text'));
      if (notice) console.log(notice);
    }
    return 0;
  }
  const choice = parseModelChoice(values);
  const report = costReport(buildChosen(choice), { paperTables: values['no-paper'] !== true, arch: choice.arch });
  if (values.json) console.log(JSON.stringify({ arch: choice.arch, alpha: choice.options.alpha ?? 1, ...report }));
  else console.log(renderCost(report, values.markdown ? 'markdown' : 'text'));
  return 0;
}
