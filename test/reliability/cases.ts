/**
 * Bad inputs a new user may try, and what each must get: the CLI's exit code and its one `mobilenet:` line, or
 * the server's HTTP status and {"error"} line. bad-inputs.test.ts runs them all and writes docs/bad-inputs.md
 * from what they actually printed. Paths are relative to the scratch folder of fixtures.ts.
 */

export interface CliCase {
  /** What was tried, in words. */
  what: string;
  /** Arguments of `mobilenet`. */
  args: string[];
  /** Expected exit code and message. */
  code: number;
  re: RegExp;
  env?: Record<string, string>;
}

export const CLI_CASES: CliCase[] = [
  // train
  { what: 'no options', args: ['train'], code: 2, re: /--arch is required/ },
  { what: 'no dataset', args: ['train', '--arch', 'v2'], code: 2, re: /--dataset is required/ },
  { what: 'unknown architecture', args: ['train', '--arch', 'v3', '--dataset', 'mnist'], code: 2, re: /--arch must be one of v1, v2/ },
  { what: 'non-numeric epochs', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--epochs', 'abc'], code: 2, re: /--epochs must be a positive integer/ },
  { what: 'zero learning rate', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--lr', '0'], code: 2, re: /--lr must be a positive number/ },
  { what: 'zero batch size', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--batch-size', '0'], code: 2, re: /--batch-size must be a positive integer/ },
  { what: 'unknown optimizer', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--optimizer', 'adagrad'], code: 2, re: /--optimizer must be one of/ },
  { what: 'validation split ≥ 1', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--val-split', '1.5'], code: 2, re: /--val-split must be a number in \[0, 1\)/ },
  { what: 'early stopping without validation', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--patience', '2'], code: 2, re: /patience needs a validation split/ },
  { what: 'unknown option', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--bogus'], code: 2, re: /Unknown option '--bogus'/ },
  { what: 'negative precise-BN image count', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--precise-bn=-1'], code: 2, re: /--precise-bn must be an integer ≥ 0/ },
  { what: '--precise-bn with --no-precise-bn', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--precise-bn', '5', '--no-precise-bn'], code: 2, re: /--precise-bn and --no-precise-bn contradict each other/ },
  { what: '--eval-test with --no-eval-test', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--eval-test', '--no-eval-test'], code: 2, re: /--eval-test and --no-eval-test contradict each other/ },
  { what: '--augment with --no-augment', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--augment', '--no-augment'], code: 2, re: /--augment and --no-augment contradict each other/ },
  { what: 'target given as a percentage', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--target', '99.5'], code: 2, re: /--target must be a fraction in \(0, 1\]/ },
  { what: 'EMA decay of 1', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--ema', '1'], code: 2, re: /--ema must be a number in \[0, 1\)/ },
  { what: 'negative weight decay', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--weight-decay=-1'], code: 2, re: /--weight-decay must be a number ≥ 0/ },
  { what: 'erasing probability above 1', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--erase', '2'], code: 2, re: /--erase must be a probability in \[0, 1\]/ },
  { what: 'unknown initialisation', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--init', 'xavier'], code: 2, re: /--init must be one of keras, torchvision/ },
  { what: 'unknown dataset', args: ['train', '--arch', 'v2', '--dataset', 'imagenet'], code: 2, re: /unknown dataset 'imagenet'/ },
  { what: 'dataset folder that does not exist', args: ['train', '--arch', 'v2', '--dataset', 'folder:nowhere', '--out', 'new-run'], code: 1, re: /nowhere: dataset folder not found/ },
  { what: 'dataset folder that is a file', args: ['train', '--arch', 'v2', '--dataset', 'folder:digit.png', '--out', 'new-run'], code: 1, re: /digit\.png: is a file, not a dataset folder/ },
  { what: 'dataset folder with one class', args: ['train', '--arch', 'v2', '--dataset', 'folder:one-class', '--input', '8x8x1', '--out', 'new-run'], code: 1, re: /has 1 class \("a"\); a classifier needs at least 2/ },
  { what: 'input shape too large for memory', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--input', '100000x100000x3', '--out', 'new-run'], code: 2, re: /input shape 100000x100000x3 is too large/ },
  { what: 'input shape with a zero', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--input', '0x28x1'], code: 2, re: /--input must be HxWxC with positive integers/ },
  { what: '--out onto an existing run', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'run'], code: 2, re: /run already holds a run: continue it with --resume run, or replace it with --overwrite/ },
  { what: '--out onto a file', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'notes.txt'], code: 2, re: /it is a file, not a directory/ },
  { what: '--out onto a folder that is not a run (even with --overwrite)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'photos', '--overwrite'], code: 2, re: /photos is not empty and is not a run directory/ },
  { what: '--resume a folder without a checkpoint', args: ['train', '--resume', 'nowhere'], code: 1, re: /no checkpoint to resume from/ },
  { what: '--resume with a training option', args: ['train', '--resume', 'run', '--lr', '0.1'], code: 2, re: /--lr cannot be combined with --resume/ },
  { what: '--resume with --overwrite', args: ['train', '--resume', 'run', '--overwrite'], code: 2, re: /--overwrite cannot be combined with --resume/ },
  // eval
  { what: 'eval without a run', args: ['eval'], code: 2, re: /eval takes one run directory/ },
  { what: 'eval of a missing run', args: ['eval', 'nowhere'], code: 1, re: /run directory nowhere does not exist/ },
  { what: 'eval --out onto a file', args: ['eval', 'run', '--out', 'notes.txt'], code: 2, re: /--out notes\.txt is a file, not a directory/ },
  { what: 'eval --limit 0', args: ['eval', 'run', '--limit', '0'], code: 2, re: /--limit must be a positive integer/ },
  { what: 'eval: model.json with a mistyped inbound layer', args: ['eval', 'run-typo'], code: 1, re: /layer "predictions" takes its input from "gap_TYPO"/ },
  { what: 'eval: meta.json buildOptions that build no model', args: ['eval', 'run-build-options'], code: 1, re: /run-build-options\/meta\.json: "buildOptions" do not build a model: alpha must be a positive number/ },
  { what: 'eval: model.json without a topology', args: ['eval', 'run-corrupt-model'], code: 1, re: /run-corrupt-model\/model\.json is not a TF\.js layers model/ },
  // predict
  { what: 'predict without an image', args: ['predict', 'run'], code: 2, re: /at least one image/ },
  { what: 'missing image', args: ['predict', 'run', 'missing.png'], code: 1, re: /missing\.png: file not found/ },
  { what: 'a text file named .png', args: ['predict', 'run', 'not-an-image.png'], code: 1, re: /not-an-image\.png: cannot decode image/ },
  { what: 'a directory as the image', args: ['predict', 'run', 'photos'], code: 1, re: /photos: is a directory, not a file/ },
  { what: '--top 0', args: ['predict', 'run', 'digit.png', '--top', '0'], code: 2, re: /--top must be a positive integer/ },
  { what: '--invert with --no-invert', args: ['predict', 'run', 'digit.png', '--invert', '--no-invert'], code: 2, re: /contradict/ },
  { what: 'model.json: inbound layer name mistyped (used to hang)', args: ['predict', 'run-typo', 'digit.png'], code: 1, re: /run-typo\/model\.json: layer "predictions" takes its input from "gap_TYPO", which is not a layer of the model/ },
  { what: 'model.json: a layer removed (used to hang)', args: ['predict', 'run-removed-layer', 'digit.png'], code: 1, re: /layer "predictions" takes its input from "global_average_pooling2d"/ },
  { what: 'model.json: a cycle between layers', args: ['predict', 'run-cycle', 'digit.png'], code: 1, re: /can never be connected/ },
  { what: 'model.json: no output layers', args: ['predict', 'run-no-output', 'digit.png'], code: 1, re: /lists no output layers/ },
  { what: 'meta.json: inputShape a string', args: ['predict', 'run-shape-string', 'digit.png'], code: 1, re: /"inputShape" must be \[H, W, C\]/ },
  { what: 'meta.json: inputShape not the model\'s', args: ['predict', 'run-shape-wrong', 'digit.png'], code: 1, re: /"inputShape" 16x16x1 does not match the model's input 8x8x1/ },
  { what: 'meta.json: 2 labels for 3 outputs', args: ['predict', 'run-labels', 'digit.png'], code: 1, re: /2 labels for a model with 3 outputs/ },
  { what: 'meta.json: std 0', args: ['predict', 'run-std0', 'digit.png'], code: 1, re: /"normalization\.std" must be > 0/ },
  { what: 'meta.json: truncated', args: ['predict', 'run-bad-meta', 'digit.png'], code: 1, re: /meta\.json is not valid JSON/ },
  { what: 'weights.bin: a NaN weight', args: ['predict', 'run-nan', 'digit.png'], code: 1, re: /weights\.bin: weight Conv1\/kernel holds NaN/ },
  { what: 'weights.bin: 4 bytes short', args: ['predict', 'run-short-weights', 'digit.png'], code: 1, re: /model\.json expects/ },
  { what: 'history.json broken (predict does not need it)', args: ['predict', 'run-history', 'digit.png'], code: 0, re: /warning: .*history\.json is not valid JSON; ignored/ },
  // serve (start-up)
  { what: 'serve a run whose model.json has a mistyped layer (used to hang, ignoring SIGTERM)', args: ['serve', 'run-typo', '--port', '0'], code: 1, re: /layer "predictions" takes its input from "gap_TYPO"/ },
  { what: 'serve a run whose meta.json inputShape is wrong (every request was a 500)', args: ['serve', 'run-shape-string', '--port', '0'], code: 1, re: /"inputShape" must be/ },
  { what: 'serve a run with a NaN weight (answered "probability": null)', args: ['serve', 'run-nan', '--port', '0'], code: 1, re: /holds NaN/ },
  { what: 'serve --port 70000', args: ['serve', 'run', '--port', '70000'], code: 2, re: /--port must be an integer in 0\.\.65535/ },
  { what: 'serve --request-timeout 0', args: ['serve', 'run', '--request-timeout', '0'], code: 2, re: /--request-timeout must be a positive number/ },
];

/** An HTTP request against a server on `run` (request timeout 1 s), as raw bytes or through fetch. */
export interface HttpCase {
  what: string;
  /** How the request is shown in the table. */
  request: string;
  send: { raw: string | Buffer } | { method?: string; path: string; type?: string; body?: string | Buffer; host?: string };
  status: number;
  re: RegExp;
}
