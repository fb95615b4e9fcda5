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
  /** A path the command must not have created (nothing written on a bad input). */
  absent?: string;
}

export const CLI_CASES: CliCase[] = [
  // train
  { what: 'no options', args: ['train'], code: 2, re: /--arch is required/ },
  { what: 'no dataset', args: ['train', '--arch', 'v2'], code: 2, re: /--dataset is required/ },
  { what: 'unknown architecture', args: ['train', '--arch', 'v3', '--dataset', 'mnist'], code: 2, re: /--arch must be one of v1, v2/ },
  { what: 'non-numeric epochs', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--epochs', 'abc'], code: 2, re: /--epochs must be an integer in 1\.\.100000/ },
  { what: 'zero learning rate', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--lr', '0'], code: 2, re: /--lr must be a positive number/ },
  { what: 'zero batch size', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--batch-size', '0'], code: 2, re: /--batch-size must be an integer in 2\.\.65536/ },
  { what: 'batch size 1 (every batch was skipped: "loss 0.0000 acc 0.00%")', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--batch-size', '1'], code: 2, re: /--batch-size must be an integer in 2\.\.65536/ },
  { what: '--limit-train 1 (every batch was skipped)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--input', '8x8x1', '--limit-train', '1', '--out', 'new-run'], code: 1, re: /limitTrain 1 leaves 1 training image; training needs at least 2/ },
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
  { what: 'input shape too large for memory', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--input', '16000x16000x3', '--out', 'new-run'], code: 2, re: /input shape 16000x16000x3 is too large/ },
  { what: 'input shape with a zero', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--input', '0x28x1'], code: 2, re: /--input must be HxWxC with positive integers/ },
  { what: '--out onto an existing run', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'run'], code: 2, re: /run already holds a run: continue it with --resume run, or replace it with --overwrite/ },
  { what: '--out onto a file', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'notes.txt'], code: 2, re: /it is a file, not a directory/ },
  { what: '--out onto a folder that is not a run (even with --overwrite)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'photos', '--overwrite'], code: 2, re: /photos is not empty and is not a run directory/ },
  { what: 'training on wasm (failed after loading the data: Conv2DBackpropFilter not registered)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--backend', 'wasm', '--out', 'new-run'], code: 2, re: /backend wasm cannot train .*training runs on onednn or cpu/ },
  { what: 'batch size of a billion', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--batch-size', '1000000000'], code: 2, re: /--batch-size must be an integer in 2\.\.65536/ },
  { what: 'alpha of a million', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--alpha', '1e6'], code: 2, re: /--alpha must be a number in \(0, 4\]/ },
  { what: 'seed beyond 32 bits (was the same run as another seed)', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--seed', '1e300'], code: 2, re: /--seed must be an integer in 0\.\.4294967295/ },
  { what: 'a billion epochs', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--epochs', '1000000000'], code: 2, re: /--epochs must be an integer in 1\.\.100000/ },
  { what: 'input of 20000 rows', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--input', '20000x28x1'], code: 2, re: /--input must be at most 16384x16384x3/ },
  { what: 'a batch whose activations cannot fit in memory (checked after the data loads, before the first step)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--input', '4096x4096x1', '--out', 'new-run'], code: 2, re: /batch size 12 needs at least 317 GB for training activations \(26\.4 GB an image\), more than this machine's memory/ },
  { what: '--resume on wasm', args: ['train', '--resume', 'run', '--backend', 'wasm'], code: 2, re: /backend wasm cannot train/ },
  { what: '--resume a folder without a checkpoint', args: ['train', '--resume', 'nowhere'], code: 1, re: /no checkpoint to resume from/ },
  { what: '--resume with a training option', args: ['train', '--resume', 'run', '--lr', '0.1'], code: 2, re: /--lr cannot be combined with --resume/ },
  { what: '--resume with --overwrite', args: ['train', '--resume', 'run', '--overwrite'], code: 2, re: /--overwrite cannot be combined with --resume/ },
  { what: '--resume: a NaN weight in the checkpoint (trained NaN and replaced the published model)', args: ['train', '--resume', 'run-ck-nan', '--epochs', '2'], code: 1, re: /run-ck-nan\/checkpoint\/weights\.bin: weight Conv1\/kernel holds NaN/ },
  { what: '--resume: "globalStep": "abc" in state.json', args: ['train', '--resume', 'run-ck-step', '--epochs', '2'], code: 1, re: /state\.json: "globalStep" must be an integer ≥ 0, got "abc"/ },
  { what: '--resume: "epoch": -3 in state.json (printed "epoch -2/2" and trained)', args: ['train', '--resume', 'run-ck-epoch', '--epochs', '2'], code: 1, re: /state\.json: "epoch" must be an integer in 0\.\.1 \(epochs done\), got -3/ },
  { what: '--resume: a short epochRng in state.json (internal error after the data loaded)', args: ['train', '--resume', 'run-ck-rng', '--epochs', '2'], code: 1, re: /state\.json: "epochRng" must be four 32-bit integers/ },
  { what: '--resume on a dataset whose classes are no longer the run\'s', args: ['train', '--resume', 'run-renamed-data', '--epochs', '2'], code: 1, re: /bands-renamed has labels \["a", "b", "c"\], the run \["bottom", "middle", "top"\]: run-renamed-data cannot continue on other classes/ },
  { what: '--out onto an unfinished start (killed during the first checkpoint)', args: ['train', '--arch', 'v2', '--dataset', 'folder:bands', '--out', 'run-unfinished'], code: 2, re: /run-unfinished holds an unfinished start \(only checkpoint\.tmp\/: no checkpoint was completed, nothing to resume\); start again with --overwrite/ },
  { what: '--resume an unfinished start (said "no checkpoint" while --out said "continue it with --resume")', args: ['train', '--resume', 'run-unfinished'], code: 1, re: /run-unfinished holds an unfinished start .*start again with train --out run-unfinished --overwrite/ },
  { what: 'transfer: --freeze naming no layer', args: ['train', '--from', 'run', '--dataset', 'folder:bands', '--freeze', 'block_99_expand', '--out', 'new-run'], code: 2, re: /--freeze block_99_expand names no layer of the \S+ backbone/ },
  { what: 'transfer: a source of another architecture', args: ['train', '--from', 'run', '--arch', 'v1', '--dataset', 'folder:bands', '--out', 'new-run'], code: 2, re: /--arch v1 differs from the source's v2/ },
  { what: 'transfer: a source of another width', args: ['train', '--from', 'run', '--alpha', '1', '--dataset', 'folder:bands', '--out', 'new-run'], code: 2, re: /--alpha 1 differs from the source's 0\.35/ },
  { what: 'transfer: --freeze none keeps a head of another class count', args: ['train', '--from', 'run', '--freeze', 'none', '--dataset', 'mnist', '--limit-test', '10', '--out', 'new-run'], code: 2, re: /--freeze none keeps the source's head of 3 classes, but the dataset has 10/ },
  { what: 'transfer: --freeze without --from', args: ['train', '--arch', 'v2', '--dataset', 'mnist', '--freeze', 'backbone'], code: 2, re: /--freeze needs --from/ },
  // eval
  { what: 'eval without a run', args: ['eval'], code: 2, re: /eval takes one run directory/ },
  { what: 'eval of a missing run', args: ['eval', 'nowhere'], code: 1, re: /run directory nowhere does not exist/ },
  { what: 'eval --out onto a file', args: ['eval', 'run', '--out', 'notes.txt'], code: 2, re: /--out notes\.txt is a file, not a directory/ },
  { what: 'eval --limit 0', args: ['eval', 'run', '--limit', '0'], code: 2, re: /--limit must be a positive integer/ },
  { what: 'eval on a folder with no test split (printed "accuracy NaN%")', args: ['eval', 'run', '--dataset', 'folder:two-a-class'], code: 1, re: /dataset folder:.*two-a-class has no test images: nothing to evaluate/ },
  { what: 'eval on a folder of other class names (printed an accuracy, exit 0)', args: ['eval', 'run', '--dataset', 'folder:bands-renamed'], code: 1, re: /dataset folder:.*bands-renamed has labels \["a", "b", "c"\], the run \["bottom", "middle", "top"\]: class ids would be scored against other classes; --ignore-labels evaluates anyway/ },
  { what: 'eval: model.json with a mistyped inbound layer', args: ['eval', 'run-typo'], code: 1, re: /layer "predictions" takes its input from "gap_TYPO"/ },
  { what: 'eval: meta.json buildOptions that build no model', args: ['eval', 'run-build-options'], code: 1, re: /run-build-options\/meta\.json: "buildOptions" do not build a model: alpha must be a positive number/ },
  { what: 'eval: model.json without a topology', args: ['eval', 'run-corrupt-model'], code: 1, re: /run-corrupt-model\/model\.json is not a TF\.js layers model/ },
  // export
  { what: 'TFLite export of a layer TFLite has no op for', args: ['export', 'run-selu', '--format', 'tflite'], code: 1, re: /layer Conv1: activation "selu" has no TFLite op/ },
  { what: 'export tflite onto the run\'s model.json (overwrote it: the run no longer loaded)', args: ['export', 'run', '--format', 'tflite', '--out', 'run/model.json'], code: 2, re: /--out run\/model\.json is inside the run directory run; an export never writes into a run/ },
  { what: 'TFLite export with --batch 0', args: ['export', 'run', '--format', 'tflite', '--batch', '0'], code: 2, re: /--batch must be a positive integer/ },
  { what: '--batch with --format onnx', args: ['export', 'run', '--format', 'onnx', '--batch', '4'], code: 2, re: /--batch applies only to --format tflite/ },
  // predict
  { what: 'predict without an image', args: ['predict', 'run'], code: 2, re: /at least one image/ },
  { what: 'missing image', args: ['predict', 'run', 'missing.png'], code: 1, re: /missing\.png: file not found/ },
  { what: 'a text file named .png', args: ['predict', 'run', 'not-an-image.png'], code: 1, re: /not-an-image\.png: cannot decode image/ },
  { what: 'a directory as the image', args: ['predict', 'run', 'photos'], code: 1, re: /photos: is a directory, not a file/ },
  { what: 'a device as the image (read without end, 15 GB after 35 s)', args: ['predict', 'run', '/dev/zero'], code: 1, re: /\/dev\/zero: is a character device, not an image file/ },
  { what: 'an image file over the 5 MiB limit (serve\'s body limit)', args: ['predict', 'run', 'big.png'], code: 1, re: /big\.png: 5242881 bytes, over the limit of 5242880 bytes/ },
  { what: 'pixel bomb (16000×16000 declared in 70 bytes)', args: ['predict', 'run', 'bomb.png'], code: 1, re: /bomb\.png: image is 16000x16000 = 256000000 pixels, over the limit of 25000000/ },
  { what: '--max-megapixels above libvips\' limit', args: ['predict', 'run', 'digit.png', '--max-megapixels', '1000'], code: 2, re: /--max-megapixels must be a number in \(0, 268\]/ },
  { what: '--max-megabytes 0', args: ['predict', 'run', 'digit.png', '--max-megabytes', '0'], code: 2, re: /--max-megabytes must be a number in \(0, 1024\]/ },
  { what: '--top 0', args: ['predict', 'run', 'digit.png', '--top', '0'], code: 2, re: /--top must be a positive integer/ },
  { what: '--invert with --no-invert', args: ['predict', 'run', 'digit.png', '--invert', '--no-invert'], code: 2, re: /contradict/ },
  { what: 'model.json: inbound layer name mistyped (used to hang)', args: ['predict', 'run-typo', 'digit.png'], code: 1, re: /run-typo\/model\.json: layer "predictions" takes its input from "gap_TYPO", which is not a layer of the model/ },
  { what: 'model.json: a layer removed (used to hang)', args: ['predict', 'run-removed-layer', 'digit.png'], code: 1, re: /layer "predictions" takes its input from "global_average_pooling2d"/ },
  { what: 'model.json: a cycle between layers', args: ['predict', 'run-cycle', 'digit.png'], code: 1, re: /can never be connected/ },
  { what: 'model.json: no output layers', args: ['predict', 'run-no-output', 'digit.png'], code: 1, re: /lists no output layers/ },
  { what: 'meta.json: inputShape a string', args: ['predict', 'run-shape-string', 'digit.png'], code: 1, re: /"inputShape" must be \[H, W, C\]/ },
  { what: 'meta.json: inputShape not the model\'s', args: ['predict', 'run-shape-wrong', 'digit.png'], code: 1, re: /"inputShape" 16x16x1 does not match the model's input 8x8x1/ },
  { what: 'meta.json: 2 labels for 3 outputs', args: ['predict', 'run-labels', 'digit.png'], code: 1, re: /2 labels for a model with 3 outputs/ },
  { what: 'meta.json: "output": "logits" on a model ending in softmax (softmax was applied twice, silently)', args: ['predict', 'run-logits-softmax', 'digit.png'], code: 1, re: /run-logits-softmax\/meta\.json: "output" is "logits" but the model ends in a softmax \(layer "predictions" of model\.json\)/ },
  { what: 'meta.json: "output": "probabilities" on a model without softmax', args: ['predict', 'run-probs-linear', 'digit.png'], code: 1, re: /run-probs-linear\/meta\.json: "output" is "probabilities" but the model's last layer "predictions" has no softmax/ },
  { what: 'meta.json: std 0', args: ['predict', 'run-std0', 'digit.png'], code: 1, re: /"normalization\.std" must be > 0/ },
  { what: 'meta.json: truncated', args: ['predict', 'run-bad-meta', 'digit.png'], code: 1, re: /meta\.json is not valid JSON/ },
  { what: 'weights.bin: a NaN weight', args: ['predict', 'run-nan', 'digit.png'], code: 1, re: /weights\.bin: weight Conv1\/kernel holds NaN/ },
  { what: 'weights.bin: 4 bytes short', args: ['predict', 'run-short-weights', 'digit.png'], code: 1, re: /model\.json expects/ },
  { what: 'weights.bin: a directory (was "are 4096 bytes")', args: ['predict', 'run-weights-dir', 'digit.png'], code: 1, re: /weights shard run-weights-dir\/weights\.bin \(named in run-weights-dir\/model\.json\) is a directory, not a file/ },
  { what: 'history.json broken (predict does not need it)', args: ['predict', 'run-history', 'digit.png'], code: 0, re: /warning: .*history\.json is not valid JSON; ignored/ },
  // embed
  { what: 'embed without an image', args: ['embed', 'run'], code: 2, re: /embed needs a run directory and at least one image/ },
  { what: 'embed --layer naming no layer', args: ['embed', 'run', 'digit.png', '--layer', 'conv_99'], code: 2, re: /layer "conv_99" is not a layer of run\/model\.json \(layers: Conv1, bn_Conv1, .*, predictions; 151 in all/ },
  { what: 'embed --layer naming the input', args: ['embed', 'run', 'digit.png', '--layer', 'input_1'], code: 2, re: /layer "input_1" is the input of run\/model\.json, not features of it; name a layer after it/ },
  { what: 'embed --batch-size 0', args: ['embed', 'run', 'digit.png', '--batch-size', '0'], code: 2, re: /--batch-size must be an integer in 1\.\.1024/ },
  { what: 'embed: missing image', args: ['embed', 'run', 'digit.png', 'missing.png'], code: 1, re: /missing\.png: file not found/ },
  { what: 'embed: a text file named .png', args: ['embed', 'run', 'not-an-image.png'], code: 1, re: /not-an-image\.png: cannot decode image/ },
  { what: 'embed: a device as the image', args: ['embed', 'run', '/dev/zero'], code: 1, re: /\/dev\/zero: is a character device, not an image file/ },
  { what: 'embed: a directory as the image', args: ['embed', 'run', 'photos'], code: 1, re: /photos: is a directory, not a file/ },
  // export
  { what: 'export onnx onto the run\'s model.json (overwrote it: the run no longer loaded)', args: ['export', 'run', '--format', 'onnx', '--out', 'run/model.json'], code: 2, re: /--out run\/model\.json is inside the run directory run; an export never writes into a run/ },
  { what: 'export onnx onto the run\'s weights.bin', args: ['export', 'run', '--format', 'onnx', '--out', 'run/weights.bin'], code: 2, re: /--out run\/weights\.bin is inside the run directory run/ },
  { what: 'export onnx onto the run\'s meta.json', args: ['export', 'run', '--format', 'onnx', '--out', 'run/meta.json'], code: 2, re: /--out run\/meta\.json is inside the run directory run/ },
  { what: 'export tfjs onto the run\'s checkpoint (replaced it: resume failed)', args: ['export', 'run', '--format', 'tfjs', '--out', 'run/checkpoint'], code: 2, re: /--out run\/checkpoint is inside the run directory run/ },
  { what: 'export onnx onto an existing file (overwrote it)', args: ['export', 'run', '--format', 'onnx', '--out', 'notes.txt'], code: 2, re: /--out notes\.txt already exists; choose another path, or replace it with --overwrite/ },
  { what: 'export tfjs onto an existing file (turned it into a directory)', args: ['export', 'run', '--format', 'tfjs', '--out', 'notes.txt', '--overwrite'], code: 2, re: /--out notes\.txt is a file, not a directory/ },
  { what: 'export onnx onto a directory (internal error: EISDIR)', args: ['export', 'run', '--format', 'onnx', '--out', 'photos'], code: 2, re: /--out photos is a directory; give the name of the file to write/ },
  // summary, cost, bench: every size option bounded (issue 19)
  { what: 'summary --classes 1e12 (was "Invalid typed array length")', args: ['summary', '--arch', 'v2', '--classes', '1e12'], code: 2, re: /--classes must be an integer in 1\.\.50000, got "1e12"/ },
  { what: 'summary --alpha 1e6 (was "Invalid typed array length"; 200 grew to 23 GB)', args: ['summary', '--arch', 'v2', '--alpha', '1e6'], code: 2, re: /--alpha must be a number in \(0, 4\] \(the papers' widest is 1\.4\), got "1e6"/ },
  { what: 'summary: widest alpha with the most classes (a 256 M-weight head)', args: ['summary', '--arch', 'v2', '--alpha', '4', '--classes', '50000'], code: 2, re: /50,000 classes at alpha 4 make a classifier of 256,000,000 weights, over the limit of 134,217,728/ },
  { what: 'cost --depth-multiplier 100', args: ['cost', '--arch', 'v1', '--depth-multiplier', '100'], code: 2, re: /--depth-multiplier must be an integer in 1\.\.8/ },
  { what: 'summary --input 100000x100000x3', args: ['summary', '--arch', 'v1', '--input', '100000x100000x3'], code: 2, re: /--input must be at most 16384x16384x1024/ },
  { what: 'bench --batch 1000000000 (was a V8 heap-out-of-memory stack)', args: ['bench', '--arch', 'v2', '--mode', 'infer', '--batch', '1000000000'], code: 2, re: /--batch must be an integer in 1\.\.65536/ },
  { what: 'bench --steps 1e9', args: ['bench', '--arch', 'v2', '--mode', 'infer', '--steps', '1e9'], code: 2, re: /--steps must be an integer in 1\.\.100000/ },
  { what: 'bench --alpha 200', args: ['bench', '--arch', 'v2', '--mode', 'infer', '--alpha', '200'], code: 2, re: /--alpha must be a number in \(0, 4\]/ },
  { what: 'bench: a batch whose activations cannot fit in memory', args: ['bench', '--arch', 'v2', '--mode', 'infer', '--preset', 'imagenet', '--batch', '65536'], code: 2, re: /batch 65536 needs at least 631 GB for inference activations \(9\.63 MB an image\), more than this machine's memory/ },
  { what: 'bench training on wasm', args: ['bench', '--arch', 'v1', '--mode', 'train', '--backend', 'wasm'], code: 2, re: /backend wasm cannot train/ },
  { what: 'MOBILENET_THREADS=100000 (segfaulted; 40000 printed a libgomp error)', args: ['eval', 'run'], env: { MOBILENET_THREADS: '100000' }, code: 2, re: /MOBILENET_THREADS must be an integer in 1\.\.1024, got "100000"/ },
  { what: 'MOBILENET_THREADS=two (was ignored)', args: ['predict', 'run', 'digit.png'], env: { MOBILENET_THREADS: 'two' }, code: 2, re: /MOBILENET_THREADS must be an integer in 1\.\.1024, got "two"/ },
  // summary, cost, export: every reader of a model.json checks its graph and sizes (issue 19)
  { what: 'summary: model.json with a mistyped inbound layer (used to hang)', args: ['summary', 'run-typo/model.json'], code: 1, re: /run-typo\/model\.json: layer "predictions" takes its input from "gap_TYPO"/ },
  { what: 'cost: model.json with a cycle (used to hang)', args: ['cost', 'run-cycle', '--no-paper'], code: 1, re: /run-cycle\/model\.json: .*can never be connected/ },
  { what: 'summary: two layers with one name (used to hang)', args: ['summary', 'run-duplicate-name'], code: 1, re: /run-duplicate-name\/model\.json: two layers are named "bn_Conv1"/ },
  { what: 'export: two layers with one name', args: ['export', 'run-duplicate-name', '--format', 'onnx', '--out', 'duplicate.onnx'], code: 1, re: /two layers are named "bn_Conv1"/ },
  { what: 'summary: input shape [0, -3, 1] (printed negative shapes)', args: ['summary', 'run-zero-input'], code: 1, re: /layer "input_1": input shape \[null,0,-3,1\] must list positive integers/ },
  { what: 'summary: strides [0, 0] (printed infinite shapes)', args: ['summary', 'run-zero-stride'], code: 1, re: /layer "Conv1": strides \[0,0\] must be positive integers/ },
  // pretrained weights (nothing is written to --out in any of these)
  { what: 'pretrained without --weights', args: ['pretrained', '--arch', 'v2', '--out', 'pre'], code: 2, re: /--weights is required/ },
  { what: 'pretrained --no-top without pooling', args: ['pretrained', '--arch', 'v2', '--weights', 'imagenet', '--no-top', '--out', 'pre'], code: 2, re: /--no-top needs --pooling avg\|max/ },
  { what: 'pretrained --preprocess not a Keras mode', args: ['pretrained', '--arch', 'v2', '--weights', 'v2-a035.h5', '--preprocess', 'imagenet', '--out', 'pre'], code: 2, re: /--preprocess must be one of tf, torch, caffe, unit, raw/ },
  { what: 'ImageNet weights for an alpha Keras has none for', args: ['pretrained', '--arch', 'v1', '--alpha', '0.35', '--weights', 'imagenet', '--out', 'pre'], code: 2, re: /ImageNet weights for MobileNet V1 exist for alpha 0.25, 0.5, 0.75, 1 only, got 0.35/ },
  { what: 'weights file that is not HDF5', args: ['pretrained', '--arch', 'v2', '--weights', 'not-hdf5.h5', '--out', 'pre'], code: 1, re: /not-hdf5\.h5 is not an HDF5 file \(no HDF5 signature\)/ },
  { what: 'truncated HDF5 weights file', args: ['pretrained', '--arch', 'v2', '--weights', 'cut.h5', '--out', 'pre'], code: 1, re: /cut\.h5: cannot open the HDF5 file: truncated file: eof = \d+/ },
  { what: 'weights file of another architecture', args: ['pretrained', '--arch', 'v1', '--weights', 'v2-a035.h5', '--out', 'pre'], code: 1, re: /v2-a035\.h5 holds MobileNet v2 alpha 0\.35 weights, not MobileNet v1/ },
  { what: 'weights file of another alpha', args: ['pretrained', '--arch', 'v2', '--alpha', '0.5', '--weights', 'v2-a035.h5', '--out', 'pre'], code: 1, re: /holds MobileNet v2 alpha 0\.35 weights, not alpha 0\.5/ },
  { what: 'weights that do not exist', args: ['pretrained', '--arch', 'v2', '--weights', 'nowhere.h5', '--out', 'pre'], code: 1, re: /weights nowhere\.h5 do not exist/ },
  { what: 'imagenet offline, not in the Keras cache', args: ['pretrained', '--arch', 'v2', '--weights', 'imagenet', '--out', 'pre'], code: 1, env: { KERAS_HOME: 'keras-home', MOBILENET_WEIGHTS_URL: 'http://127.0.0.1:2' }, re: /cannot download mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1\.0_224\.h5 from http:\/\/127\.0\.0\.1:2\/mobilenet_v2\/\S+: ECONNREFUSED; without network, put Keras's \S+ at keras-home\/models\/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1\.0_224\.h5$/ },
  { what: 'pretrained --out an existing run', args: ['pretrained', '--arch', 'v2', '--weights', 'v2-a035.h5', '--out', 'run'], code: 2, re: /run already holds a run; replace it with --overwrite \(nothing was changed\)/ },
  { what: 'keras-h5 export inside the run directory', args: ['export', 'run', '--format', 'keras-h5', '--out', 'run/w.h5'], code: 2, re: /run\/w\.h5 is inside the run directory run/ },
  { what: 'keras-h5 export over an existing file', args: ['export', 'run', '--format', 'keras-h5', '--out', 'v2-a035.h5'], code: 2, re: /--out v2-a035\.h5 already exists; choose another path, or replace it with --overwrite/ },
  // quantize
  { what: 'quantize without --out', args: ['quantize', 'run'], code: 2, re: /quantize needs --out RUN-INT8/ },
  { what: 'quantize --calibrate 0', args: ['quantize', 'run', '--out', 'q-zero', '--calibrate', '0'], code: 2, re: /--calibrate must be a positive integer/, absent: 'q-zero' },
  { what: 'quantize --method unknown', args: ['quantize', 'run', '--out', 'q-method', '--method', 'kl'], code: 2, re: /--method must be one of minmax, percentile, entropy/, absent: 'q-method' },
  { what: 'quantize a run whose dataset is gone', args: ['quantize', 'run-no-data', '--out', 'q-no-data'], code: 1, re: /cannot calibrate on the run's dataset: gone: dataset folder not found \(give --calibrate-data DIR/, absent: 'q-no-data' },
  { what: 'quantize --calibrate-data that does not exist', args: ['quantize', 'run', '--out', 'q-no-folder', '--calibrate-data', 'nowhere'], code: 1, re: /nowhere: dataset folder not found/, absent: 'q-no-folder' },
  { what: 'quantize onto the run itself', args: ['quantize', 'run', '--out', 'run'], code: 2, re: /--out must be a new directory, not the run itself/ },
  // export --quantize int8 (quantize and export in one step)
  { what: 'export --quantize int8 of a run that is int8 already', args: ['export', 'run-int8', '--format', 'onnx', '--quantize', 'int8', '--out', 'requant.onnx'], code: 2, re: /run-int8 is an int8 run already \(mobilenet quantize\); export it without --quantize int8/, absent: 'requant.onnx' },
  { what: 'export --quantize int8 with --format tfjs', args: ['export', 'run', '--format', 'tfjs', '--quantize', 'int8', '--out', 'tfjs-int8'], code: 2, re: /--quantize int8 applies to --format onnx or tflite; TF\.js weights quantize to float16, uint8 or uint16/, absent: 'tfjs-int8' },
  { what: 'export --format onnx --quantize uint8 (a TF.js weight dtype)', args: ['export', 'run', '--format', 'onnx', '--quantize', 'uint8', '--out', 'u8.onnx'], code: 2, re: /--format onnx quantizes to int8 only \(--quantize int8\), got --quantize uint8 \(a TF\.js weight dtype: --format tfjs\)/, absent: 'u8.onnx' },
  { what: 'export --format keras-h5 --quantize int8', args: ['export', 'run', '--format', 'keras-h5', '--quantize', 'int8', '--out', 'q.h5'], code: 2, re: /--quantize does not apply to --format keras-h5/, absent: 'q.h5' },
  { what: 'export --calibrate without --quantize int8', args: ['export', 'run', '--format', 'tflite', '--calibrate', '16', '--out', 'c.tflite'], code: 2, re: /--calibrate applies only with --quantize int8 \(--format onnx or tflite\)/, absent: 'c.tflite' },
  { what: 'export --quantize int8 --calibrate 0', args: ['export', 'run', '--format', 'tflite', '--quantize', 'int8', '--calibrate', '0', '--out', 'c0.tflite'], code: 2, re: /--calibrate must be a positive integer/, absent: 'c0.tflite' },
  { what: 'export --quantize int8 of a run whose dataset is gone', args: ['export', 'run-no-data', '--format', 'onnx', '--quantize', 'int8', '--out', 'gone.onnx'], code: 1, re: /cannot calibrate on the run's dataset: gone: dataset folder not found \(give --calibrate-data DIR/, absent: 'gone.onnx' },
  { what: 'eval: int8.json with a negative scale', args: ['eval', 'run-int8-bad-scale'], code: 1, re: /run-int8-bad-scale\/int8\.json: tensor 3: "scale" must be a positive finite number, got -1/ },
  { what: 'predict: int8.json not valid JSON', args: ['predict', 'run-int8-truncated', 'digit.png'], code: 1, re: /run-int8-truncated\/int8\.json is not valid JSON/ },
  { what: 'serve: int8.bin shorter than int8.json says', args: ['serve', 'run-int8-short-bin', '--port', '0'], code: 1, re: /int8\.json: op \d+ .* lie beyond the end of int8\.bin/ },
  // serve (start-up)
  { what: 'serve a run whose model.json has a mistyped layer (used to hang, ignoring SIGTERM)', args: ['serve', 'run-typo', '--port', '0'], code: 1, re: /layer "predictions" takes its input from "gap_TYPO"/ },
  { what: 'serve a run whose meta.json inputShape is wrong (every request was a 500)', args: ['serve', 'run-shape-string', '--port', '0'], code: 1, re: /"inputShape" must be/ },
  { what: 'serve a run with a NaN weight (answered "probability": null)', args: ['serve', 'run-nan', '--port', '0'], code: 1, re: /holds NaN/ },
  { what: 'serve --port 70000', args: ['serve', 'run', '--port', '70000'], code: 2, re: /--port must be an integer in 0\.\.65535/ },
  { what: 'serve --max-batch 1e9', args: ['serve', 'run', '--max-batch', '1e9'], code: 2, re: /--max-batch must be an integer in 1\.\.1024/ },
  { what: 'serve --request-timeout of 100 years (Node\'s timer would fire at once)', args: ['serve', 'run', '--request-timeout', '3153600000'], code: 2, re: /--request-timeout must be a number in \(0, 2147483\]/ },
  { what: 'serve --body-limit 1e6 MB', args: ['serve', 'run', '--body-limit', '1000000'], code: 2, re: /--body-limit must be a number in \(0, 1024\]/ },
  { what: 'serve --request-timeout 0', args: ['serve', 'run', '--request-timeout', '0'], code: 2, re: /--request-timeout must be a number in \(0, 2147483\]/ },
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
